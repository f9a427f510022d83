import type { KeyValueStore, WatchEvent } from '../../storage/kv/index.ts';

/** Replays the log after `after` up to `head` through a watch's catch-up. */
export async function replayEvents(store: KeyValueStore, prefix: string, after: number, head: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (after >= head) return events;
  const watch = store.watch(prefix, { afterRevision: after });
  // A missing last revision would leave the watch waiting for live events forever.
  const timer = setTimeout(() => watch.close(), 5000);
  try {
    for await (const event of watch) {
      events.push(event);
      if (event.modRevision >= head) break;
    }
  } finally {
    clearTimeout(timer);
    watch.close();
  }
  return events;
}
