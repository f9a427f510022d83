// The pod template and what it is made of (k8s.io/api/core/v1), as of Kubernetes 1.33.
// Every field of a modelled struct must be listed, or kubectl rejects valid manifests as "unknown field";
// rarely written sub-objects are `looseObject()` so kubectl does not look inside them.
import {
  arrayOf,
  boolean,
  type Definitions,
  int32,
  int64,
  intOrString,
  looseObject,
  mapOf,
  objectMeta,
  quantity,
  ref,
  type Schema,
  string,
  stringList,
  stringMap,
  struct,
  typeMeta,
} from '../schema.ts';

export const CORE = 'io.k8s.api.core.v1';
const core = (name: string): Schema => ref(`${CORE}.${name}`);
const list = (name: string): Schema => arrayOf(core(name));
/**
 * A list merged element by element under strategic merge patch. kubectl 1.20 builds apply
 * patches from these extensions when the server publishes a schema; without them it treats
 * the list as atomic, and every apply of an unchanged manifest says "configured".
 */
const keyedList = (name: string, mergeKey: string): Schema => ({
  ...list(name),
  'x-kubernetes-patch-merge-key': mergeKey,
  'x-kubernetes-patch-strategy': 'merge',
});
const loose = (): Schema => looseObject();
const looseList = (): Schema => arrayOf(looseObject());

const CONTAINER_FIELDS: Record<string, Schema> = {
  args: stringList(),
  command: stringList(),
  env: keyedList('EnvVar', 'name'),
  envFrom: list('EnvFromSource'),
  image: string(),
  imagePullPolicy: string(),
  lifecycle: loose(),
  livenessProbe: core('Probe'),
  name: string(),
  ports: keyedList('ContainerPort', 'containerPort'),
  readinessProbe: core('Probe'),
  resizePolicy: looseList(),
  resources: core('ResourceRequirements'),
  restartPolicy: string(),
  restartPolicyRules: looseList(),
  securityContext: core('SecurityContext'),
  startupProbe: core('Probe'),
  stdin: boolean(),
  stdinOnce: boolean(),
  terminationMessagePath: string(),
  terminationMessagePolicy: string(),
  tty: boolean(),
  volumeDevices: keyedList('VolumeDevice', 'devicePath'),
  volumeMounts: keyedList('VolumeMount', 'mountPath'),
  workingDir: string(),
};

const POD_SPEC_FIELDS: Record<string, Schema> = {
  activeDeadlineSeconds: int64(),
  affinity: core('Affinity'),
  automountServiceAccountToken: boolean(),
  containers: keyedList('Container', 'name'),
  dnsConfig: loose(),
  dnsPolicy: string(),
  enableServiceLinks: boolean(),
  ephemeralContainers: looseList(),
  hostAliases: arrayOf(struct({ hostnames: stringList(), ip: string() }, ['ip'])),
  hostIPC: boolean(),
  hostNetwork: boolean(),
  hostPID: boolean(),
  hostUsers: boolean(),
  hostname: string(),
  hostnameOverride: string(),
  imagePullSecrets: keyedList('LocalObjectReference', 'name'),
  initContainers: keyedList('Container', 'name'),
  nodeName: string(),
  nodeSelector: stringMap(),
  os: loose(),
  overhead: mapOf(quantity()),
  preemptionPolicy: string(),
  priority: int32(),
  priorityClassName: string(),
  readinessGates: looseList(),
  resourceClaims: looseList(),
  resources: core('ResourceRequirements'),
  restartPolicy: string(),
  runtimeClassName: string(),
  schedulerName: string(),
  schedulingGates: looseList(),
  securityContext: core('PodSecurityContext'),
  serviceAccount: string(),
  serviceAccountName: string(),
  setHostnameAsFQDN: boolean(),
  shareProcessNamespace: boolean(),
  subdomain: string(),
  terminationGracePeriodSeconds: int64(),
  tolerations: list('Toleration'),
  topologySpreadConstraints: looseList(),
  volumes: keyedList('Volume', 'name'),
};

// The volume sources skerry serves are modelled; the cloud and legacy ones are accepted as opaque objects.
const OPAQUE_VOLUME_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'downwardAPI', 'ephemeral', 'fc',
  'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'image', 'iscsi', 'nfs', 'photonPersistentDisk',
  'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO', 'storageos', 'vsphereVolume',
];

const VOLUME_FIELDS: Record<string, Schema> = {
  ...Object.fromEntries(OPAQUE_VOLUME_SOURCES.map((name) => [name, loose()])),
  configMap: core('ConfigMapVolumeSource'),
  emptyDir: core('EmptyDirVolumeSource'),
  hostPath: core('HostPathVolumeSource'),
  name: string(),
  persistentVolumeClaim: core('PersistentVolumeClaimVolumeSource'),
  secret: core('SecretVolumeSource'),
};

const keySelector = (): Schema => struct({ key: string(), name: string(), optional: boolean() }, ['key']);
const nameOptional = (): Schema => struct({ name: string(), optional: boolean() });

export const POD_DEFINITIONS: Definitions = {
  [`${CORE}.Pod`]: struct(
    { ...typeMeta(), metadata: objectMeta(), spec: core('PodSpec'), status: looseObject('Most recently observed status of the pod.') },
    [],
    'A collection of containers that can run on a host.',
  ),
  [`${CORE}.PodTemplateSpec`]: struct({ metadata: objectMeta(), spec: core('PodSpec') }),
  [`${CORE}.PodSpec`]: struct(POD_SPEC_FIELDS, ['containers']),
  [`${CORE}.Container`]: struct(CONTAINER_FIELDS, ['name']),
  [`${CORE}.ContainerPort`]: struct(
    { containerPort: int32(), hostIP: string(), hostPort: int32(), name: string(), protocol: string() },
    ['containerPort'],
  ),
  [`${CORE}.EnvVar`]: struct({ name: string(), value: string(), valueFrom: core('EnvVarSource') }, ['name']),
  [`${CORE}.EnvVarSource`]: struct({
    configMapKeyRef: keySelector(),
    fieldRef: struct({ apiVersion: string(), fieldPath: string() }, ['fieldPath']),
    fileKeyRef: loose(),
    resourceFieldRef: struct({ containerName: string(), divisor: quantity(), resource: string() }, ['resource']),
    secretKeyRef: keySelector(),
  }),
  [`${CORE}.EnvFromSource`]: struct({ configMapRef: nameOptional(), prefix: string(), secretRef: nameOptional() }),
  [`${CORE}.VolumeMount`]: struct(
    {
      mountPath: string(),
      mountPropagation: string(),
      name: string(),
      readOnly: boolean(),
      recursiveReadOnly: string(),
      subPath: string(),
      subPathExpr: string(),
    },
    ['name', 'mountPath'],
  ),
  [`${CORE}.VolumeDevice`]: struct({ devicePath: string(), name: string() }, ['name', 'devicePath']),
  [`${CORE}.ResourceRequirements`]: struct({
    claims: arrayOf(struct({ name: string(), request: string() }, ['name'])),
    limits: mapOf(quantity()),
    requests: mapOf(quantity()),
  }),
  [`${CORE}.Probe`]: struct({
    exec: struct({ command: stringList() }),
    failureThreshold: int32(),
    grpc: struct({ port: int32(), service: string() }, ['port']),
    httpGet: core('HTTPGetAction'),
    initialDelaySeconds: int32(),
    periodSeconds: int32(),
    successThreshold: int32(),
    tcpSocket: struct({ host: string(), port: intOrString() }, ['port']),
    terminationGracePeriodSeconds: int64(),
    timeoutSeconds: int32(),
  }),
  [`${CORE}.HTTPGetAction`]: struct(
    {
      host: string(),
      httpHeaders: arrayOf(struct({ name: string(), value: string() }, ['name', 'value'])),
      path: string(),
      port: intOrString(),
      scheme: string(),
    },
    ['port'],
  ),
  [`${CORE}.SecurityContext`]: struct({
    allowPrivilegeEscalation: boolean(),
    appArmorProfile: loose(),
    capabilities: struct({ add: stringList(), drop: stringList() }),
    privileged: boolean(),
    procMount: string(),
    readOnlyRootFilesystem: boolean(),
    runAsGroup: int64(),
    runAsNonRoot: boolean(),
    runAsUser: int64(),
    seLinuxOptions: loose(),
    seccompProfile: loose(),
    windowsOptions: loose(),
  }),
  [`${CORE}.PodSecurityContext`]: struct({
    appArmorProfile: loose(),
    fsGroup: int64(),
    fsGroupChangePolicy: string(),
    runAsGroup: int64(),
    runAsNonRoot: boolean(),
    runAsUser: int64(),
    seLinuxChangePolicy: string(),
    seLinuxOptions: loose(),
    seccompProfile: loose(),
    supplementalGroups: arrayOf(int64()),
    supplementalGroupsPolicy: string(),
    sysctls: arrayOf(struct({ name: string(), value: string() }, ['name', 'value'])),
    windowsOptions: loose(),
  }),
  [`${CORE}.Toleration`]: struct({ effect: string(), key: string(), operator: string(), tolerationSeconds: int64(), value: string() }),
  // Affinity is deep and rarely hand-written wrong; its three parts are checked by name only.
  [`${CORE}.Affinity`]: struct({ nodeAffinity: loose(), podAffinity: loose(), podAntiAffinity: loose() }),
  [`${CORE}.LocalObjectReference`]: struct({ name: string() }),
  [`${CORE}.Volume`]: struct(VOLUME_FIELDS, ['name']),
  [`${CORE}.EmptyDirVolumeSource`]: struct({ medium: string(), sizeLimit: quantity() }),
  [`${CORE}.HostPathVolumeSource`]: struct({ path: string(), type: string() }, ['path']),
  [`${CORE}.KeyToPath`]: struct({ key: string(), mode: int32(), path: string() }, ['key', 'path']),
  [`${CORE}.ConfigMapVolumeSource`]: struct({ defaultMode: int32(), items: list('KeyToPath'), name: string(), optional: boolean() }),
  [`${CORE}.SecretVolumeSource`]: struct({ defaultMode: int32(), items: list('KeyToPath'), optional: boolean(), secretName: string() }),
  [`${CORE}.PersistentVolumeClaimVolumeSource`]: struct({ claimName: string(), readOnly: boolean() }, ['claimName']),
};

/** Used by workload specs in other groups. */
export const podTemplate = (): Schema => core('PodTemplateSpec');
