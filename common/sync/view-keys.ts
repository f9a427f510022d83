// How an object is named inside a node's view: `<resource>/<namespace>/<name>` or
// `<resource>/<name>` for cluster-scoped kinds. Both sides use these names, so the agent
// never needs to know how the server lays out its store.

/** The kinds a view may hold, by their plural resource name. */
export const VIEW_RESOURCES = ['nodes', 'pods', 'configmaps', 'secrets', 'persistentvolumeclaims', 'persistentvolumes', 'services', 'endpoints', 'networkpolicies', 'namespaces', 'peerpods'] as const;

export type ViewResource = (typeof VIEW_RESOURCES)[number];

/**
 * Kinds made for views rather than stored: `peerpods` are every pod of the cluster reduced to
 * what NetworkPolicy needs (namespace, name, labels, IPs, named ports), under keys of their own
 * so that the node never mistakes another node's pod for one it must run.
 */
export const DERIVED_VIEW_RESOURCES: ReadonlySet<ViewResource> = new Set(['peerpods']);

const CLUSTER_SCOPED: ReadonlySet<ViewResource> = new Set(['nodes', 'persistentvolumes', 'namespaces']);

export function viewKey(resource: ViewResource, namespace: string | undefined, name: string): string {
  return CLUSTER_SCOPED.has(resource) ? `${resource}/${name}` : `${resource}/${namespace}/${name}`;
}

export function parseViewKey(key: string): { resource: ViewResource; namespace?: string; name: string } | undefined {
  const parts = key.split('/');
  const resource = VIEW_RESOURCES.find((r) => r === parts[0]);
  if (!resource) return undefined;
  if (CLUSTER_SCOPED.has(resource)) return parts.length === 2 && parts[1] ? { resource, name: parts[1] } : undefined;
  return parts.length === 3 && parts[1] && parts[2] ? { resource, namespace: parts[1], name: parts[2] } : undefined;
}
