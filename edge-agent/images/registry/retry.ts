// Retries with exponential back-off and full jitter (a random delay in [d/2, d] where d
// doubles each try up to the maximum), so many agents cut off by the same outage do not come
// back in step. A try that made progress (received bytes) resets the count: a flaky link
// that moves forward every time is never given up on.
import { SkerryError } from '../../../common/index.ts';

export interface RetryPolicy {
  /** Tries in a row without progress before giving up (the first try counts). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

/** An error worth another try: a cut connection, a timeout, a 429 or a 5xx. */
export class TransientError extends Error {
  constructor(message: string, readonly final: SkerryError, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The delay before try number `attempt` (1 = the first retry). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  /** Called before each pause, with the try's error, the count of tries without progress and the pause. */
  onRetry?(error: TransientError, attempt: number, delayMs: number): void;
}

/**
 * Runs `once` until it succeeds, throws a non-transient error, or fails `attempts` times in
 * a row without progress; then throws the last error's final (catalogued) form. `once`
 * returns normally on success and reports progress by calling `progressed()`.
 */
export async function withRetry<T>(policy: RetryPolicy, hooks: RetryHooks, once: (progressed: () => void) => Promise<T>): Promise<T> {
  let failures = 0;
  for (;;) {
    let moved = false;
    try {
      return await once(() => (moved = true));
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      hooks.signal?.throwIfAborted();
      failures = moved ? 1 : failures + 1;
      if (failures >= Math.max(1, policy.attempts)) throw error.final;
      const delay = backoffDelay(policy, failures);
      hooks.onRetry?.(error, failures, delay);
      await sleep(delay, hooks.signal);
    }
  }
}
