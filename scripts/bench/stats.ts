/** Small statistics helpers for the benchmarks; all inputs are plain millisecond samples. */

export interface Summary {
  n: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const x of sorted) total += x;
  return {
    n: sorted.length,
    mean: sorted.length ? total / sorted.length : Number.NaN,
    min: sorted.length ? sorted[0]! : Number.NaN,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export function median(samples: ArrayLike<number>): number {
  return percentileSorted(Float64Array.from(samples).sort(), 50);
}

/** A growable sample buffer that does not allocate per sample. */
export class Samples {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  summary(): Summary {
    return summarize(this.values());
  }
}
