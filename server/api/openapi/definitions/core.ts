// The core group's objects other than Pod (k8s.io/api/core/v1), as of Kubernetes 1.33.
import {
  arrayOf,
  boolean,
  byteString,
  type Definitions,
  int32,
  intOrString,
  labelSelector,
  looseObject,
  mapOf,
  MICRO_TIME,
  objectMeta,
  quantity,
  ref,
  type Schema,
  string,
  stringList,
  stringMap,
  struct,
  time,
  typeMeta,
} from '../schema.ts';
import { CORE } from './pod.ts';

const core = (name: string): Schema => ref(`${CORE}.${name}`);
const loose = (): Schema => looseObject();
const status = (): Schema => looseObject('Most recently observed status; written by the system.');

/** apiVersion, kind and metadata, then the kind's own fields. */
const object = (fields: Record<string, Schema>, description: string, required: string[] = []): Schema =>
  struct({ ...typeMeta(), metadata: objectMeta(), ...fields }, required, description);

const OPAQUE_PV_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'csi', 'fc', 'flexVolume', 'flocker',
  'gcePersistentDisk', 'glusterfs', 'iscsi', 'local', 'nfs', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'rbd',
  'scaleIO', 'storageos', 'vsphereVolume',
];

export const CORE_DEFINITIONS: Definitions = {
  [`${CORE}.Namespace`]: object(
    { spec: struct({ finalizers: stringList() }), status: status() },
    'A scope for names.',
  ),
  [`${CORE}.Node`]: object({ spec: core('NodeSpec'), status: status() }, 'A worker machine.'),
  [`${CORE}.NodeSpec`]: struct({
    configSource: loose(),
    externalID: string(),
    podCIDR: string(),
    podCIDRs: stringList(),
    providerID: string(),
    taints: arrayOf(struct({ effect: string(), key: string(), timeAdded: time(), value: string() }, ['key', 'effect'])),
    unschedulable: boolean(),
  }),
  [`${CORE}.Service`]: object({ spec: core('ServiceSpec'), status: status() }, 'A named abstraction of a set of pods.'),
  [`${CORE}.ServiceSpec`]: struct({
    allocateLoadBalancerNodePorts: boolean(),
    clusterIP: string(),
    clusterIPs: stringList(),
    externalIPs: stringList(),
    externalName: string(),
    externalTrafficPolicy: string(),
    healthCheckNodePort: int32(),
    internalTrafficPolicy: string(),
    ipFamilies: stringList(),
    ipFamilyPolicy: string(),
    loadBalancerClass: string(),
    loadBalancerIP: string(),
    loadBalancerSourceRanges: stringList(),
    ports: { ...arrayOf(core('ServicePort')), 'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge' },
    publishNotReadyAddresses: boolean(),
    selector: stringMap(),
    sessionAffinity: string(),
    sessionAffinityConfig: loose(),
    trafficDistribution: string(),
    type: string(),
  }),
  [`${CORE}.ServicePort`]: struct(
    { appProtocol: string(), name: string(), nodePort: int32(), port: int32(), protocol: string(), targetPort: intOrString() },
    ['port'],
  ),
  [`${CORE}.Endpoints`]: object({ subsets: arrayOf(loose()) }, 'The addresses behind a service.'),
  [`${CORE}.ConfigMap`]: object(
    { binaryData: mapOf(byteString()), data: stringMap(), immutable: boolean() },
    'Non-secret configuration data.',
  ),
  [`${CORE}.Secret`]: object(
    { data: mapOf(byteString()), immutable: boolean(), stringData: stringMap(), type: string() },
    'Secret data, base64-encoded under data.',
  ),
  [`${CORE}.ServiceAccount`]: object(
    {
      automountServiceAccountToken: boolean(),
      imagePullSecrets: arrayOf(core('LocalObjectReference')),
      secrets: arrayOf(loose()),
    },
    'An identity for processes in pods.',
  ),
  [`${CORE}.PersistentVolumeClaim`]: object({ spec: core('PersistentVolumeClaimSpec'), status: status() }, "A user's request for storage."),
  [`${CORE}.PersistentVolumeClaimSpec`]: struct({
    accessModes: stringList(),
    dataSource: loose(),
    dataSourceRef: loose(),
    resources: struct({ limits: mapOf(quantity()), requests: mapOf(quantity()) }),
    selector: labelSelector(),
    storageClassName: string(),
    volumeAttributesClassName: string(),
    volumeMode: string(),
    volumeName: string(),
  }),
  [`${CORE}.PersistentVolume`]: object({ spec: core('PersistentVolumeSpec'), status: status() }, 'A piece of storage in the cluster.'),
  [`${CORE}.PersistentVolumeSpec`]: struct({
    ...Object.fromEntries(OPAQUE_PV_SOURCES.map((name) => [name, loose()])),
    accessModes: stringList(),
    capacity: mapOf(quantity()),
    claimRef: loose(),
    hostPath: core('HostPathVolumeSource'),
    mountOptions: stringList(),
    nodeAffinity: loose(),
    persistentVolumeReclaimPolicy: string(),
    storageClassName: string(),
    volumeAttributesClassName: string(),
    volumeMode: string(),
  }),
  [`${CORE}.Event`]: object(
    {
      action: string(),
      count: int32(),
      eventTime: ref(MICRO_TIME),
      firstTimestamp: time(),
      involvedObject: loose(),
      lastTimestamp: time(),
      message: string(),
      reason: string(),
      related: loose(),
      reportingComponent: string(),
      reportingInstance: string(),
      series: loose(),
      source: loose(),
      type: string(),
    },
    'A report of an event somewhere in the cluster.',
  ),
};
