/** Statistics the network bench needs beyond stats.ts: few rounds, compared pairwise. */

/** The median, averaging the two middle values of an even count (stats.median takes the lower: with 2 or 4 rounds that biases low). */
export function middle(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/**
 * a[i] / b[i] for runs measured in the same round, one right after the other: load that
 * drifts over the run (other work on the machine) falls on both members of a pair alike.
 */
export function pairedRatios(a: number[], b: number[]): number[] {
  if (a.length !== b.length) throw new Error(`pairedRatios: ${a.length} runs against ${b.length}`);
  return a.map((x, i) => x / b[i]!);
}
