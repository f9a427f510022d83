/** An int-or-percent (maxSurge, maxUnavailable) as a count of `total`: percents round up for surge, down for unavailability. */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return Math.max(0, Math.floor(v));
  const match = /^(\d+)%$/.exec(String(v));
  if (!match) return Math.max(0, Number.parseInt(String(v), 10) || 0);
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable of a RollingUpdate; both zero would never move, so unavailability becomes 1. */
export function rollingBounds(strategy: { maxSurge?: unknown; maxUnavailable?: unknown } | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = resolveIntOrPercent(strategy?.maxSurge, replicas, true, '25%');
  let unavailable = resolveIntOrPercent(strategy?.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}
