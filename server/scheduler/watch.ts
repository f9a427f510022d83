/**
 * A small informer (the scheduler may not import the controllers' one): a cache of one type kept
 * current by watching the store, resumed after a broken watch and rebuilt after a 410, with
 * objects that vanished meanwhile reported as deleted.
 */
import { componentLogger } from '../../common/index.ts';
import { ApiError, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';

const log = componentLogger('scheduler');

export type ChangeHandler = (object: KubeObject | undefined, old: KubeObject | undefined) => void;

export interface Watched {
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  synced: Promise<void>;
  stop(): void;
}

const keyOf = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);

/** Calls `onChange(new, old)` for every change; `new` is undefined for a deletion. */
export function watchType(objects: ObjectStore, type: ResourceType, onChange: ChangeHandler): Watched {
  const cache = new Map<string, KubeObject>();
  let stopped = false;
  let current: { close(): void } | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));

  function apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): string {
    const key = keyOf(object.metadata.namespace, object.metadata.name!);
    const old = cache.get(key);
    if (type === 'DELETED') cache.delete(key);
    else cache.set(key, object);
    onChange(type === 'DELETED' ? undefined : object, old);
    return key;
  }

  function finishRelist(seen: Set<string>): void {
    for (const [key, object] of cache) {
      if (seen.has(key)) continue;
      cache.delete(key);
      onChange(undefined, object);
    }
    markSynced();
  }

  /** The last revision applied: a broken watch resumes after it; undefined lists afresh. */
  let resourceVersion: string | undefined;

  async function follow(): Promise<void> {
    const relist = resourceVersion === undefined;
    const watch = await objects.watch(type, undefined, { resourceVersion });
    current = watch;
    if (stopped) return watch.close();
    const seen = new Set<string>();
    let initialLeft = relist ? watch.initialCount : 0;
    // The list's ADDED events carry each object's own revision; only the list's revision resumes.
    const listed = () => {
      finishRelist(seen);
      resourceVersion = String(watch.startRevision);
    };
    if (relist && initialLeft === 0) listed();
    for await (const event of watch) {
      if (initialLeft > 0) {
        seen.add(apply(event.type, event.object));
        if (--initialLeft === 0) listed();
        continue;
      }
      apply(event.type, event.object);
      resourceVersion = String(event.revision);
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      try {
        await follow();
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.code === 410) resourceVersion = undefined;
        else log.warn({ err: error, resource: type.resource }, 'watch ended; resuming');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  void run();
  return {
    get: (namespace, name) => cache.get(keyOf(namespace, name)),
    synced,
    stop() {
      stopped = true;
      current?.close();
    },
  };
}
