// The kubelet's restart and image-pull back-off (client-go flowcontrol.Backoff): the first
// restart is immediate, then the wait doubles from the initial delay up to the maximum
// (10 s … 5 min in Kubernetes); an entry untouched for twice the maximum starts over. No
// jitter: the kubelet has none, and `kubectl describe` users know the 10/20/40 s rhythm.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const KUBELET_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

export interface BackoffEntry {
  delayMs: number;
  /** When the entry last moved (ms since the epoch). */
  lastUpdate: number;
}

function expired(entry: BackoffEntry, eventTime: number, policy: BackoffPolicy): boolean {
  return eventTime - entry.lastUpdate > 2 * policy.maxMs;
}

/** Backoff.Next: the entry after a restart (or failed pull) seen at `eventTime`. */
export function nextBackoff(entry: BackoffEntry | undefined, eventTime: number, now: number, policy: BackoffPolicy): BackoffEntry {
  if (!entry || expired(entry, eventTime, policy)) return { delayMs: policy.initialMs, lastUpdate: now };
  return { delayMs: Math.min(entry.delayMs * 2, policy.maxMs), lastUpdate: now };
}

/**
 * Backoff.IsInBackOffSince: how long to wait still, counted from `eventTime` (a container's
 * finish), or 0 when a restart may happen now.
 */
export function backoffRemaining(entry: BackoffEntry | undefined, eventTime: number, now: number, policy: BackoffPolicy): number {
  if (!entry || expired(entry, eventTime, policy)) return 0;
  return Math.max(0, eventTime + entry.delayMs - now);
}

/** Go's time.Duration.String() for whole milliseconds: "10s", "1m20s", "5m0s", "200ms", "1.6s". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secondsText = `${Number.isInteger(seconds) ? seconds : String(seconds)}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}
