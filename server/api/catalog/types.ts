/** How the API serves one kind of object (one entry of discovery). */
export interface ResourceType {
  /** API group; '' for the core group (served under /api/v1). */
  group: string;
  version: string;
  /** Plural, lower-case: the path segment and the discovery `name` ("pods"). */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** Discovery verbs ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"). */
  verbs: string[];
  /** Subresources served, e.g. ["status", "scale"]. */
  subresources: string[];
  /** Discovery categories ("all" makes `kubectl get all` include it). */
  categories?: string[];
}

/** "apps/v1", or "v1" for the core group. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
