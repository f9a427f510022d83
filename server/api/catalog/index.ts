// The public face of the catalog: which kinds the API serves and how to find them.
import { RESOURCE_TYPES } from './resources.ts';
import { apiVersionOf, type ResourceType } from './types.ts';

export { RESOURCE_TYPES, apiVersionOf, type ResourceType };

export interface Catalog {
  types: readonly ResourceType[];
  /** By group, version and plural resource name, as in a URL. */
  byResource(group: string, version: string, resource: string): ResourceType | undefined;
  /** By apiVersion and kind, as in a manifest. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined;
  /** The served groups (without the core group) and their versions, in discovery order. */
  groups(): Array<{ name: string; versions: string[] }>;
}

export function createCatalog(types: readonly ResourceType[] = RESOURCE_TYPES): Catalog {
  const byPath = new Map(types.map((t) => [`${t.group}/${t.version}/${t.resource}`, t]));
  const byGvk = new Map(types.map((t) => [`${apiVersionOf(t)}/${t.kind}`, t]));
  const groups = new Map<string, string[]>();
  for (const t of types) {
    if (!t.group) continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return {
    types,
    byResource: (group, version, resource) => byPath.get(`${group}/${version}/${resource}`),
    byKind: (apiVersion, kind) => byGvk.get(`${apiVersion}/${kind}`),
    groups: () => [...groups].map(([name, versions]) => ({ name, versions })),
  };
}
