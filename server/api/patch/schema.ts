import { RESOURCE_TYPES } from '../catalog/index.ts';

/**
 * The strategic merge patch metadata of the served kinds: the `patchStrategy` and
 * `patchMergeKey` struct tags of k8s.io/api, which kube-apiserver reads by reflection.
 * A list not named here is replaced whole and a map is merged, as for an untagged Go field.
 */
export interface FieldPatch {
  readonly strategy: 'merge' | 'replace';
  /** The field that identifies an element of a list of objects; absent for lists of primitives. */
  readonly mergeKey?: string;
}

/** One field of a kind; a list's node also describes the fields of its elements. */
export interface SchemaNode {
  readonly patch?: FieldPatch;
  readonly children: ReadonlyMap<string, SchemaNode>;
}

/** Dotted field path (list elements elided: "spec.containers.env") to its patch metadata. */
type FieldTable = Readonly<Record<string, FieldPatch>>;

const merge = (mergeKey?: string): FieldPatch => (mergeKey ? { strategy: 'merge', mergeKey } : { strategy: 'merge' });

function under(prefix: string, table: FieldTable): FieldTable {
  return Object.fromEntries(Object.entries(table).map(([path, patch]) => [`${prefix}.${path}`, patch]));
}

const OBJECT_META: FieldTable = { finalizers: merge(), ownerReferences: merge('uid') };

const CONTAINER: FieldTable = {
  env: merge('name'),
  ports: merge('containerPort'),
  volumeMounts: merge('mountPath'),
  volumeDevices: merge('devicePath'),
};

// tolerations, readinessGates, envFrom and resizePolicy carry no tags: they are replaced.
const POD_SPEC: FieldTable = {
  containers: merge('name'),
  ...under('containers', CONTAINER),
  initContainers: merge('name'),
  ...under('initContainers', CONTAINER),
  ephemeralContainers: merge('name'),
  ...under('ephemeralContainers', CONTAINER),
  volumes: merge('name'),
  imagePullSecrets: merge('name'),
  hostAliases: merge('ip'),
  topologySpreadConstraints: merge('topologyKey'),
  resourceClaims: merge('name'),
  schedulingGates: merge('name'),
};

const POD_TEMPLATE: FieldTable = { ...under('metadata', OBJECT_META), ...under('spec', POD_SPEC) };

const CONDITIONS: FieldTable = { conditions: merge('type') };

/** Deployment, ReplicaSet, DaemonSet, StatefulSet and Job: a pod template and typed conditions. */
const WORKLOAD: FieldTable = { ...under('spec.template', POD_TEMPLATE), ...under('status', CONDITIONS) };

const KIND_FIELDS: Readonly<Record<string, FieldTable>> = {
  Pod: {
    ...under('spec', POD_SPEC),
    ...under('status', { ...CONDITIONS, podIPs: merge('ip'), hostIPs: merge('ip'), resourceClaimStatuses: merge('name') }),
  },
  Node: { 'spec.podCIDRs': merge(), 'status.conditions': merge('type'), 'status.addresses': merge('type') },
  Service: { 'spec.ports': merge('port'), ...under('status', CONDITIONS) },
  ServiceAccount: { secrets: merge('name') },
  Namespace: under('status', CONDITIONS),
  PersistentVolumeClaim: under('status', CONDITIONS),
  Deployment: WORKLOAD,
  ReplicaSet: WORKLOAD,
  DaemonSet: WORKLOAD,
  StatefulSet: WORKLOAD,
  Job: WORKLOAD,
};

interface BuildNode {
  patch?: FieldPatch;
  children: Map<string, BuildNode>;
}

// Built as a tree rather than looked up by joined path, so a key containing dots (a label,
// a ConfigMap key) can never be mistaken for a nested field.
function compile(table: FieldTable): SchemaNode {
  const root: BuildNode = { children: new Map() };
  for (const [path, patch] of Object.entries(table)) {
    let node = root;
    for (const name of path.split('.')) {
      let next = node.children.get(name);
      if (!next) node.children.set(name, (next = { children: new Map() }));
      node = next;
    }
    node.patch = patch;
  }
  return root;
}

// Scale is served as the scale subresource of the catalog's scalable kinds.
const SCHEMAS: ReadonlyMap<string, SchemaNode> = new Map(
  [...new Set([...RESOURCE_TYPES.map((t) => t.kind), 'Scale'])].map((kind) => [
    kind,
    compile({ ...under('metadata', OBJECT_META), ...KIND_FIELDS[kind] }),
  ]),
);

const LEAF: SchemaNode = { children: new Map() };

/** The schema of a served kind; undefined for others (custom resources), which take no strategic merge patch. */
export function schemaFor(kind: string): SchemaNode | undefined {
  return SCHEMAS.get(kind);
}

export function child(node: SchemaNode, field: string): SchemaNode {
  return node.children.get(field) ?? LEAF;
}

/** The patch metadata at a dotted path of a kind ("spec.template.spec.containers"), if any. */
export function fieldPatch(kind: string, path: string): FieldPatch | undefined {
  let node = schemaFor(kind);
  for (const name of path.split('.')) node = node && node.children.get(name);
  return node?.patch;
}
