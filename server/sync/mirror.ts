// The objects views are made of, kept in memory at one store revision. One watch over the
// whole registry (not one per kind, as informers do) keeps every kind at the same revision,
// so a batch "up to revision N" really is the view as of N.
import { componentLogger } from '../../common/index.ts';
import { DERIVED_VIEW_RESOURCES, VIEW_RESOURCES, viewKey, type ViewResource } from '../../common/sync/index.ts';
import { decodeObject, listPrefix, type Catalog } from '../api/index.ts';
import type { KeyValueStore } from '../../storage/kv/index.ts';
import type { ObjectSource, StoredObject } from './view.ts';

const log = componentLogger('sync');

export interface MirrorChange {
  resource: ViewResource;
  old?: StoredObject;
  now?: StoredObject;
}

export interface Mirror extends ObjectSource {
  /** The store revision every kind is current to. */
  revision(): number;
  synced: Promise<void>;
  stop(): void;
}

interface Prefix {
  prefix: string;
  resource: ViewResource;
  namespaced: boolean;
}

export function viewPrefixes(catalog: Catalog): Prefix[] {
  return VIEW_RESOURCES.filter((resource) => !DERIVED_VIEW_RESOURCES.has(resource)).map((resource) => {
    const type = catalog.types.find((t) => t.resource === resource && (t.group === '' || t.group === 'networking.k8s.io'));
    if (!type) throw new Error(`the catalog serves no ${resource}`);
    return { prefix: listPrefix(type), resource, namespaced: type.namespaced };
  });
}

/** A stored key as a view entry, or undefined for keys outside the view's kinds. */
export function storedFrom(prefixes: Prefix[], key: string, value: Buffer, rev: number): { resource: ViewResource; stored: StoredObject } | undefined {
  const match = prefixes.find((p) => key.startsWith(p.prefix));
  if (!match) return undefined;
  const object = decodeObject(value, rev) as unknown as Record<string, unknown>;
  const metadata = object.metadata as { name: string; namespace?: string };
  return { resource: match.resource, stored: { key: viewKey(match.resource, metadata.namespace, metadata.name), rev, object } };
}

export function startMirror(kv: KeyValueStore, catalog: Catalog, onChange: (change: MirrorChange) => void, onReset: () => void): Mirror {
  const prefixes = viewPrefixes(catalog);
  let byResource = new Map<ViewResource, Map<string, StoredObject>>();
  let podsByNode = new Map<string, Map<string, StoredObject>>();
  let revision = 0;
  let stopped = false;
  let watch: { close(): void } | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  const nodeOfPod = (stored: StoredObject | undefined) => ((stored?.object.spec ?? {}) as { nodeName?: string }).nodeName;
  function indexPod(stored: StoredObject, add: boolean): void {
    const node = nodeOfPod(stored);
    if (!node) return;
    const pods = podsByNode.get(node) ?? new Map<string, StoredObject>();
    if (add) pods.set(stored.key, stored);
    else pods.delete(stored.key);
    if (pods.size === 0) podsByNode.delete(node);
    else podsByNode.set(node, pods);
  }
  function put(resource: ViewResource, stored: StoredObject | undefined, key: string): MirrorChange {
    const table = byResource.get(resource) ?? new Map<string, StoredObject>();
    byResource.set(resource, table);
    const old = table.get(key);
    if (resource === 'pods' && old) indexPod(old, false);
    if (stored) table.set(key, stored);
    else table.delete(key);
    if (resource === 'pods' && stored) indexPod(stored, true);
    return { resource, old, now: stored };
  }

  async function relist(): Promise<void> {
    byResource = new Map();
    podsByNode = new Map();
    revision = await kv.currentRevision();
    for (const { prefix } of prefixes) {
      let page: string | undefined;
      do {
        const result = await kv.list(prefix, { revision, limit: 1000, continue: page });
        for (const item of result.items) {
          const entry = storedFrom(prefixes, item.key, item.value, item.modRevision);
          if (entry) put(entry.resource, entry.stored, entry.stored.key);
        }
        page = result.continue;
      } while (page);
    }
  }

  async function follow(): Promise<void> {
    const events = kv.watch('/registry/', { afterRevision: revision });
    watch = events;
    for await (const event of events) {
      const entry = storedFrom(prefixes, event.key, event.value, event.modRevision);
      revision = event.modRevision;
      if (!entry) continue;
      onChange(put(entry.resource, event.type === 'delete' ? undefined : entry.stored, entry.stored.key));
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      try {
        await relist();
        markSynced();
        onReset();
        await follow();
      } catch (error) {
        if (stopped) return;
        // A watch cut off (slow) or compacted under us: start over from a full list.
        log.warn({ err: error }, 'view mirror lost its watch; listing again');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
  void run();

  return {
    revision: () => revision,
    synced,
    get: (resource, namespace, name) => byResource.get(resource)?.get(viewKey(resource, namespace, name)),
    list: (resource) => byResource.get(resource)?.values() ?? [],
    podsOn: (node) => podsByNode.get(node)?.values() ?? [],
    stop: () => {
      stopped = true;
      watch?.close();
    },
  };
}
