import { apiVersionOf, type Catalog, type ResourceType } from '../catalog/index.ts';

/** `GET /api`: the core group's versions. */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupOf(name: string, versions: string[]): object {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** `GET /apis`: every named group. */
export function apiGroupList(catalog: Catalog): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: catalog.groups().map((g) => groupOf(g.name, g.versions)) };
}

/** `GET /apis/<group>`. */
export function apiGroup(catalog: Catalog, group: string): object {
  const found = catalog.groups().find((g) => g.name === group)!;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupOf(found.name, found.versions) };
}

/** `GET /api/v1` or `/apis/<group>/<version>`: the resources, and their subresources as `pods/status`. */
export function apiResourceList(catalog: Catalog, group: string, version: string): object {
  const types = catalog.types.filter((t) => t.group === group && t.version === version);
  const resources = types.flatMap((t) => [resourceEntry(t), ...t.subresources.map((s) => subresourceEntry(t, s))]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function resourceEntry(type: ResourceType): object {
  const entry: Record<string, unknown> = {
    name: type.resource,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs,
  };
  if (type.shortNames.length > 0) entry.shortNames = type.shortNames;
  if (type.categories) entry.categories = type.categories;
  return entry;
}

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  finalize: ['update'],
};

const SUBRESOURCE_KIND: Record<string, (t: ResourceType) => { kind: string; group?: string; version?: string }> = {
  scale: () => ({ kind: 'Scale', group: 'autoscaling', version: 'v1' }),
  binding: () => ({ kind: 'Binding' }),
  eviction: () => ({ kind: 'Eviction', group: 'policy', version: 'v1' }),
  log: () => ({ kind: 'Pod' }),
  exec: () => ({ kind: 'PodExecOptions' }),
};

function subresourceEntry(type: ResourceType, subresource: string): object {
  const kind = SUBRESOURCE_KIND[subresource]?.(type) ?? { kind: type.kind };
  return {
    name: `${type.resource}/${subresource}`,
    singularName: '',
    namespaced: type.namespaced,
    ...kind,
    verbs: SUBRESOURCE_VERBS[subresource] ?? ['get'],
  };
}
