// The store as it was at an older revision, as an ObjectSource: what a node's view held
// when it last acknowledged, so catching up after an outage sends only what changed since.
import type { ViewResource } from '../../common/sync/index.ts';
import { viewKey } from '../../common/sync/index.ts';
import type { Catalog } from '../api/index.ts';
import type { KeyValueStore } from '../../storage/kv/index.ts';
import { storedFrom, viewPrefixes } from './mirror.ts';
import type { ObjectSource, StoredObject } from './view.ts';

/** The objects of every view kind as of `revision`; throws the store's "compacted" error when gone. */
export async function sourceAt(kv: KeyValueStore, catalog: Catalog, revision: number): Promise<ObjectSource> {
  const prefixes = viewPrefixes(catalog);
  const byResource = new Map<ViewResource, Map<string, StoredObject>>();
  const podsByNode = new Map<string, StoredObject[]>();
  for (const { prefix, resource } of prefixes) {
    const table = new Map<string, StoredObject>();
    byResource.set(resource, table);
    let page: string | undefined;
    do {
      const result = await kv.list(prefix, { revision, limit: 1000, continue: page });
      for (const item of result.items) {
        const entry = storedFrom(prefixes, item.key, item.value, item.modRevision);
        if (!entry) continue;
        table.set(entry.stored.key, entry.stored);
        const node = resource === 'pods' ? (entry.stored.object.spec as { nodeName?: string } | undefined)?.nodeName : undefined;
        if (!node) continue;
        const pods = podsByNode.get(node) ?? [];
        pods.push(entry.stored);
        podsByNode.set(node, pods);
      }
      page = result.continue;
    } while (page);
  }
  return {
    get: (resource, namespace, name) => byResource.get(resource)?.get(viewKey(resource, namespace, name)),
    list: (resource) => byResource.get(resource)?.values() ?? [],
    podsOn: (node) => podsByNode.get(node) ?? [],
  };
}
