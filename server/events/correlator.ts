/**
 * client-go's EventCorrelator in small: the spam filter (a token bucket per source and involved
 * object) and the aggregation cache (the Event last written for the same object, reason,
 * message, type and source), both bounded LRUs as upstream keeps them.
 */

/** An ObjectReference, as an Event's involvedObject carries it. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface Occurrence {
  component: string;
  involved: InvolvedObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The Event that occurrences with one key were last written to. */
export interface Written {
  namespace: string;
  name: string;
  count: number;
  /** When it was last written, on the recorder's clock. */
  lastMs: number;
}

export interface CorrelatorOptions {
  /** Tokens a new object starts with (client-go: 25). */
  burst?: number;
  /** How often a token comes back (client-go: one per 5 minutes). */
  refillMs?: number;
  /** How long a repeat still bumps the Event instead of starting a new one. */
  aggregateMs?: number;
  /** Entries per cache (client-go: 4096). */
  maxEntries?: number;
}

const DEFAULTS = { burst: 25, refillMs: 5 * 60_000, aggregateMs: 10 * 60_000, maxEntries: 4096 };

/** A Map that forgets its least recently used entry past `max`. */
function lru<V>(max: number) {
  const map = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const value = map.get(key);
      if (value !== undefined) {
        map.delete(key);
        map.set(key, value);
      }
      return value;
    },
    set(key: string, value: V): void {
      map.delete(key);
      map.set(key, value);
      if (map.size > max) map.delete(map.keys().next().value!);
    },
    delete: (key: string) => map.delete(key),
    get size() {
      return map.size;
    },
  };
}

const objectKey = (o: Occurrence) => [o.component, o.involved.kind, o.involved.namespace ?? '', o.involved.name, o.involved.uid ?? '', o.involved.apiVersion].join('\u0000');

export function createCorrelator(options: CorrelatorOptions = {}) {
  const { burst, refillMs, aggregateMs, maxEntries } = { ...DEFAULTS, ...options };
  const buckets = lru<{ tokens: number; at: number }>(maxEntries);
  const written = lru<Written>(maxEntries);

  return {
    /** The aggregation key: the same object, reason, message, type and source. */
    key: (o: Occurrence) => [objectKey(o), o.type, o.reason, o.message].join('\u0000'),

    /** Takes a token from the object's bucket; false when the object has sent too many events. */
    allow(o: Occurrence, nowMs: number): boolean {
      const key = objectKey(o);
      const bucket = buckets.get(key) ?? { tokens: burst, at: nowMs };
      // Fractional tokens accrue continuously, as golang.org/x/time/rate's limiter does.
      const tokens = Math.min(burst, bucket.tokens + Math.max(0, nowMs - bucket.at) / refillMs);
      const allowed = tokens >= 1;
      buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
      return allowed;
    },

    /** The Event a repeat should bump, if one was written for the key recently enough. */
    recent(key: string, nowMs: number): Written | undefined {
      const seen = written.get(key);
      return seen && nowMs - seen.lastMs <= aggregateMs ? seen : undefined;
    },

    remember: (key: string, event: Written) => written.set(key, event),
    forget: (key: string) => void written.delete(key),
  };
}

export type Correlator = ReturnType<typeof createCorrelator>;
