import { componentLogger } from '../../common/index.ts';
import { ApiError, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';

const log = componentLogger('informer');

export type InformerEvent = 'added' | 'modified' | 'deleted';

export interface Informer {
  type: ResourceType;
  /** Current objects by `namespace/name` (or `name`), as last seen. */
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
  /** Resolves once the first full list is in the cache. */
  synced: Promise<void>;
  stop(): void;
}

export function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * A local cache of one type kept current by watching the store, as client-go's informer:
 * a watch that ends is resumed from the last revision seen, and one that is too old (410)
 * starts over with a full list, reporting objects that vanished meanwhile as deleted.
 */
export function createInformer(objects: ObjectStore, type: ResourceType, onEvent: (event: InformerEvent, object: KubeObject, old?: KubeObject) => void): Informer {
  const cache = new Map<string, KubeObject>();
  let stopped = false;
  let current: { close(): void } | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  async function run(): Promise<void> {
    let resourceVersion: string | undefined;
    while (!stopped) {
      try {
        const relist = resourceVersion === undefined;
        const seen = new Set<string>();
        const watch = await objects.watch(type, undefined, { resourceVersion });
        current = watch;
        if (stopped) return watch.close();
        let initialLeft = watch.initialCount;
        if (relist && initialLeft === 0) finishRelist(seen);
        resourceVersion = String(watch.startRevision);
        for await (const event of watch) {
          const key = cacheKey(event.object.metadata.namespace, event.object.metadata.name!);
          resourceVersion = String(event.revision);
          const old = cache.get(key);
          if (event.type === 'DELETED') {
            cache.delete(key);
            onEvent('deleted', event.object, old);
          } else {
            cache.set(key, event.object);
            onEvent(old ? 'modified' : 'added', event.object, old);
          }
          if (relist && initialLeft > 0) {
            seen.add(key);
            if (--initialLeft === 0) finishRelist(seen);
          }
        }
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.code === 410) resourceVersion = undefined;
        else log.warn({ err: error, resource: type.resource }, 'watch ended; resuming');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  function finishRelist(seen: Set<string>): void {
    for (const [key, object] of cache) {
      if (!seen.has(key)) {
        cache.delete(key);
        onEvent('deleted', object, object);
      }
    }
    markSynced();
  }

  void run();
  return {
    type,
    get: (namespace, name) => cache.get(cacheKey(namespace, name)),
    list: (namespace) => [...cache.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace),
    synced,
    stop: () => {
      stopped = true;
      current?.close();
    },
  };
}
