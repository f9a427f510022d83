// kubectl ≥ 1.30 tries exec over WebSocket and, when the upgrade is refused for any reason,
// tries again over SPDY and prints that answer. The server does not serve SPDY, so it keeps
// the WebSocket refusal for a few seconds, keyed by client address and URL (both attempts
// use the same URL), and gives the same Status to the SPDY retry.
import type { ApiError } from '../errors.ts';

const KEEP_MS = 10_000;
const MAX_KEPT = 1_000;
const refusals = new Map<string, { error: ApiError; until: number }>();

export function rememberRefusal(key: string, error: ApiError, now = Date.now()): void {
  if (refusals.size >= MAX_KEPT) {
    for (const [k, v] of refusals) if (v.until <= now) refusals.delete(k);
    if (refusals.size >= MAX_KEPT) refusals.clear();
  }
  refusals.set(key, { error, until: now + KEEP_MS });
}

/** The refusal kept for this key, once: a later SPDY attempt gets the plain answer again. */
export function refusedEarlier(key: string, now = Date.now()): ApiError | undefined {
  const kept = refusals.get(key);
  refusals.delete(key);
  return kept && kept.until > now ? kept.error : undefined;
}
