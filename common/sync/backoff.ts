// Reconnect delays: exponential with full jitter. mqtt.js retries every second, so a broker
// restart would bring a whole fleet back in the same second; jitter spreads them out.

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The delay before attempt `attempt` (0-based): a random point in [initial/2, initial·2^attempt], capped. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  const floor = Math.min(ceiling, backoff.initialMs / 2);
  return Math.round(floor + random() * (ceiling - floor));
}
