/**
 * kube-apiserver stores Events with a one-hour etcd lease (--event-ttl), so they expire on their
 * own. The revision log has no leases; this sweep deletes Events last seen more than the TTL ago
 * so the store does not grow with every pod ever scheduled.
 */
import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';

const log = componentLogger('event-sweeper');

export interface SweeperOptions {
  now?: () => Date;
  /** How long an Event lives after it was last seen (kube-apiserver's --event-ttl: 1 h). */
  ttlMs?: number;
  intervalMs?: number;
}

export interface EventSweeper {
  /** One pass now; resolves with how many Events it deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

const parse = (times: unknown[]) => times.map((t) => (typeof t === 'string' ? Date.parse(t) : Number.NaN)).filter(Number.isFinite);

/** When the Event was last seen, whichever API wrote it; its creation only if it says nothing else. */
export function lastSeen(event: KubeObject): number {
  const series = (event.series ?? {}) as { lastObservedTime?: unknown };
  const seen = parse([event.lastTimestamp, event.deprecatedLastTimestamp, series.lastObservedTime, event.eventTime, event.firstTimestamp, event.deprecatedFirstTimestamp]);
  if (seen.length > 0) return Math.max(...seen);
  return parse([event.metadata.creationTimestamp])[0] ?? 0;
}

export function startEventSweeper(objects: ObjectStore, catalog: Catalog, options: SweeperOptions = {}): EventSweeper {
  const now = options.now ?? (() => new Date());
  const ttl = options.ttlMs ?? 60 * 60_000;
  // Both Event APIs: each kind has its own keys in the store.
  const types = catalog.types.filter((t) => t.kind === 'Event');
  let running: Promise<number> | undefined;

  async function sweepOnce(): Promise<number> {
    const cutoff = now().getTime() - ttl;
    let deleted = 0;
    for (const type of types) {
      const { items } = await objects.list(type, undefined, { filter: (event) => lastSeen(event) < cutoff });
      for (const event of items) {
        try {
          await objects.delete(type, event.metadata.namespace, event.metadata.name!);
          deleted++;
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 404)) throw error;
        }
      }
    }
    if (deleted > 0) log.debug({ deleted }, 'expired events deleted');
    return deleted;
  }

  function sweep(): Promise<number> {
    running ??= sweepOnce().finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => {
    sweep().catch((error: unknown) => log.warn({ err: error }, 'event sweep failed'));
  }, options.intervalMs ?? 60_000);
  timer.unref();

  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
