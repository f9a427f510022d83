// Networking, storage, coordination, events and RBAC objects (k8s.io/api/*/v1), as of Kubernetes 1.33.
import {
  arrayOf,
  boolean,
  type Definitions,
  int32,
  intOrString,
  labelSelector,
  looseObject,
  MICRO_TIME,
  objectMeta,
  ref,
  type Schema,
  string,
  stringList,
  stringMap,
  struct,
  time,
  typeMeta,
} from '../schema.ts';

const NETWORKING = 'io.k8s.api.networking.v1';
const STORAGE = 'io.k8s.api.storage.v1';
const COORDINATION = 'io.k8s.api.coordination.v1';
const EVENTS = 'io.k8s.api.events.v1';
const RBAC = 'io.k8s.api.rbac.v1';

const loose = (): Schema => looseObject();
const microTime = (): Schema => ref(MICRO_TIME);
const object = (fields: Record<string, Schema>, description: string, required: string[] = []): Schema =>
  struct({ ...typeMeta(), metadata: objectMeta(), ...fields }, required, description);

const peers = (): Schema => arrayOf(ref(`${NETWORKING}.NetworkPolicyPeer`));
const ports = (): Schema => arrayOf(ref(`${NETWORKING}.NetworkPolicyPort`));
const rules = (): Schema => arrayOf(ref(`${RBAC}.PolicyRule`));
const binding = (description: string): Schema =>
  object({ roleRef: ref(`${RBAC}.RoleRef`), subjects: arrayOf(ref(`${RBAC}.Subject`)) }, description, ['roleRef']);

export const CLUSTER_DEFINITIONS: Definitions = {
  [`${NETWORKING}.NetworkPolicy`]: object({ spec: ref(`${NETWORKING}.NetworkPolicySpec`) }, 'Which traffic may reach and leave a set of pods.'),
  // podSelector is required before Kubernetes 1.31 and optional since; left optional so no valid manifest fails.
  [`${NETWORKING}.NetworkPolicySpec`]: struct({
    egress: arrayOf(struct({ ports: ports(), to: peers() })),
    ingress: arrayOf(struct({ from: peers(), ports: ports() })),
    podSelector: labelSelector(),
    policyTypes: stringList(),
  }),
  [`${NETWORKING}.NetworkPolicyPeer`]: struct({
    ipBlock: struct({ cidr: string(), except: stringList() }, ['cidr']),
    namespaceSelector: labelSelector(),
    podSelector: labelSelector(),
  }),
  [`${NETWORKING}.NetworkPolicyPort`]: struct({ endPort: int32(), port: intOrString(), protocol: string() }),
  [`${STORAGE}.StorageClass`]: object(
    {
      allowVolumeExpansion: boolean(),
      allowedTopologies: arrayOf(loose()),
      mountOptions: stringList(),
      parameters: stringMap(),
      provisioner: string(),
      reclaimPolicy: string(),
      volumeBindingMode: string(),
    },
    'A class of dynamically provisioned storage.',
    ['provisioner'],
  ),
  [`${COORDINATION}.Lease`]: object(
    {
      spec: struct({
        acquireTime: microTime(),
        holderIdentity: string(),
        leaseDurationSeconds: int32(),
        leaseTransitions: int32(),
        preferredHolder: string(),
        renewTime: microTime(),
        strategy: string(),
      }),
    },
    'A lease held by one holder at a time.',
  ),
  [`${EVENTS}.Event`]: object(
    {
      action: string(),
      deprecatedCount: int32(),
      deprecatedFirstTimestamp: time(),
      deprecatedLastTimestamp: time(),
      deprecatedSource: loose(),
      eventTime: microTime(),
      note: string(),
      reason: string(),
      regarding: loose(),
      related: loose(),
      reportingController: string(),
      reportingInstance: string(),
      series: loose(),
      type: string(),
    },
    'A report of an event somewhere in the cluster.',
  ),
  [`${RBAC}.Role`]: object({ rules: rules() }, 'Namespaced permissions.'),
  [`${RBAC}.ClusterRole`]: object({ aggregationRule: loose(), rules: rules() }, 'Cluster-wide permissions.'),
  [`${RBAC}.RoleBinding`]: binding('Grants a role to subjects in a namespace.'),
  [`${RBAC}.ClusterRoleBinding`]: binding('Grants a cluster role to subjects cluster-wide.'),
  [`${RBAC}.PolicyRule`]: struct(
    { apiGroups: stringList(), nonResourceURLs: stringList(), resourceNames: stringList(), resources: stringList(), verbs: stringList() },
    ['verbs'],
  ),
  [`${RBAC}.RoleRef`]: struct({ apiGroup: string(), kind: string(), name: string() }, ['apiGroup', 'kind', 'name']),
  [`${RBAC}.Subject`]: struct({ apiGroup: string(), kind: string(), name: string(), namespace: string() }, ['kind', 'name']),
};
