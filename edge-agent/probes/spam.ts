// client-go's EventSourceObjectSpamFilter, for the events probes record: a token bucket per
// pod and event type, 25 at once and then one per 5 minutes. A failing readiness probe with
// a 1 s period would otherwise send an Event every second for as long as it fails; the
// kubelet's recorder drops those the same way (and the server does not aggregate them here).
import type { Clock } from './clock.ts';

const BURST = 25;
const REFILL_MS = 300_000;
const MAX_BUCKETS = 1_024;

interface Bucket {
  tokens: number;
  at: number;
}

export class SpamFilter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly clock: Clock) {}

  /** Whether an event with this key (pod uid and event type) may be sent now. */
  allow(key: string): boolean {
    const now = this.clock.now();
    if (this.buckets.size > MAX_BUCKETS) this.prune(now);
    const bucket = this.buckets.get(key) ?? { tokens: BURST, at: now };
    bucket.tokens = Math.min(BURST, bucket.tokens + (now - bucket.at) / REFILL_MS);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** A bucket that has filled up again is the same as none: gone pods leave nothing behind. */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) / REFILL_MS >= BURST) this.buckets.delete(key);
  }
}
