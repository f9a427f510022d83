import type { ResourceType } from './types.ts';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function type(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    verbs: ALL_VERBS,
    subresources: [],
    ...extra,
  };
}

/** Every kind the API serves (DESIGN §4), with the short names and categories kubectl users type. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  type('', 'v1', 'namespaces', 'Namespace', false, ['ns'], { subresources: ['status', 'finalize'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
  type('', 'v1', 'nodes', 'Node', false, ['no'], { subresources: ['status'] }),
  type('', 'v1', 'pods', 'Pod', true, ['po'], { subresources: ['status', 'binding', 'log', 'exec', 'eviction'], categories: ['all'] }),
  type('', 'v1', 'services', 'Service', true, ['svc'], { subresources: ['status'], categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] }),
  type('', 'v1', 'endpoints', 'Endpoints', true, ['ep'], { singular: 'endpoints' }),
  type('', 'v1', 'configmaps', 'ConfigMap', true, ['cm']),
  type('', 'v1', 'secrets', 'Secret', true),
  type('', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  type('', 'v1', 'persistentvolumes', 'PersistentVolume', false, ['pv'], { subresources: ['status'] }),
  type('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc'], { subresources: ['status'] }),
  type('', 'v1', 'events', 'Event', true, ['ev']),
  type('apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], { subresources: ['status', 'scale'], categories: ['all'] }),
  type('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], { subresources: ['status', 'scale'], categories: ['all'] }),
  type('apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], { subresources: ['status'], categories: ['all'] }),
  type('apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts'], { subresources: ['status', 'scale'], categories: ['all'] }),
  type('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  type('batch', 'v1', 'jobs', 'Job', true, [], { subresources: ['status'], categories: ['all'] }),
  type('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol']),
  type('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, ['sc']),
  type('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  type('events.k8s.io', 'v1', 'events', 'Event', true, ['ev']),
  type('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  type('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  type('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  type('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
];
