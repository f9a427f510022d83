/**
 * Events as client-go's legacy recorder writes them (core/v1, `<object>.<unix nanos in hex>`),
 * through the API's internal client. Recording returns at once: a write that fails is logged,
 * never thrown into the reconcile that recorded it, and a flood is cut by the spam filter.
 */
import { componentLogger, type Logger } from '../../common/index.ts';
import { ApiError, timestamp, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { createCorrelator, type CorrelatorOptions, type InvolvedObject, type Occurrence } from './correlator.ts';

export type EventType = 'Normal' | 'Warning';
export type { InvolvedObject } from './correlator.ts';

export interface EventRecorder {
  /** Records that something happened to `object`; returns at once and never throws. */
  event(object: KubeObject | InvolvedObject, type: EventType, reason: string, message: string): void;
}

export interface EventBroadcaster {
  /** A recorder whose events name `component` as their source ("replicaset-controller"). */
  recorder(component: string): EventRecorder;
  /** Resolves once every write begun so far has finished (shutdown, tests). */
  flush(): Promise<void>;
}

export interface BroadcasterOptions extends CorrelatorOptions {
  now?: () => Date;
}

/** For reconcilers run on their own (unit tests): events go nowhere. */
export const discardEvents: EventRecorder = { event: () => undefined };

/** reference.GetReference: what an Event says about the object it is about. */
export function referenceTo(object: KubeObject | InvolvedObject): InvolvedObject {
  if (!('metadata' in object)) return object;
  const { name, namespace, uid, resourceVersion } = object.metadata;
  return {
    kind: object.kind,
    ...(namespace ? { namespace } : {}),
    name: name ?? '',
    ...(uid ? { uid } : {}),
    apiVersion: object.apiVersion,
    ...(resourceVersion ? { resourceVersion } : {}),
  };
}

function eventObject(o: Occurrence, namespace: string, name: string, at: Date): KubeObject {
  const when = timestamp(at);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: o.involved,
    reason: o.reason,
    message: o.message,
    source: { component: o.component },
    firstTimestamp: when,
    lastTimestamp: when,
    count: 1,
    type: o.type,
    eventTime: null,
    reportingComponent: o.component,
    reportingInstance: '',
  };
}

/** A write that cannot land because the namespace is gone or going is expected, not a fault. */
function report(log: Logger, error: unknown, o: Occurrence): void {
  const expected = error instanceof ApiError && (error.code === 404 || error.code === 403);
  const context = { err: error, object: `${o.involved.kind}/${o.involved.namespace ?? ''}/${o.involved.name}`, reason: o.reason };
  if (expected) log.debug(context, 'event not recorded');
  else log.warn(context, 'event not recorded');
}

export function createEventBroadcaster(objects: ObjectStore, catalog: Catalog, options: BroadcasterOptions = {}): EventBroadcaster {
  const Event = catalog.byResource('', 'v1', 'events')!;
  const now = options.now ?? (() => new Date());
  const correlator = createCorrelator(options);
  /** The last write per aggregation key: writes of one key run in order, so a repeat finds its Event. */
  const chains = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();
  let lastNanos = 0n;

  /** client-go names an Event by its time in nanoseconds; strictly increasing here, so names never collide. */
  function uniqueNanos(at: Date): bigint {
    let nanos = BigInt(at.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (nanos <= lastNanos) nanos = lastNanos + 1n;
    lastNanos = nanos;
    return nanos;
  }

  /** Bumps count and lastTimestamp on the Event written before; false if it is gone. */
  async function bump(key: string, namespace: string, name: string, at: Date): Promise<boolean> {
    try {
      const updated = await objects.mutate(Event, namespace, name, (current) => ({ ...current, count: (Number(current.count) || 1) + 1, lastTimestamp: timestamp(at) }));
      correlator.remember(key, { namespace, name, count: Number(updated.count), lastMs: at.getTime() });
      return true;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
      correlator.forget(key);
      return false;
    }
  }

  async function write(key: string, o: Occurrence, at: Date): Promise<void> {
    const seen = correlator.recent(key, at.getTime());
    if (seen && (await bump(key, seen.namespace, seen.name, at))) return;
    // Events about cluster-scoped objects live in "default", as client-go puts them.
    const namespace = o.involved.namespace || 'default';
    const name = `${o.involved.name}.${uniqueNanos(at).toString(16)}`;
    await objects.create(Event, namespace, eventObject(o, namespace, name, at));
    correlator.remember(key, { namespace, name, count: 1, lastMs: at.getTime() });
  }

  function record(log: Logger, o: Occurrence): void {
    const at = now();
    if (!correlator.allow(o, at.getTime())) {
      log.debug({ object: `${o.involved.kind}/${o.involved.name}`, reason: o.reason }, 'event dropped: too many for this object');
      return;
    }
    const key = correlator.key(o);
    const next = (chains.get(key) ?? Promise.resolve()).then(() => write(key, o, at)).catch((error: unknown) => report(log, error, o));
    chains.set(key, next);
    pending.add(next);
    void next.then(() => {
      pending.delete(next);
      if (chains.get(key) === next) chains.delete(key);
    });
  }

  return {
    recorder(component) {
      const log = componentLogger(component);
      return {
        event(object, type, reason, message) {
          try {
            record(log, { component, involved: referenceTo(object), type, reason, message });
          } catch (error) {
            log.warn({ err: error, reason }, 'event not recorded');
          }
        },
      };
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
