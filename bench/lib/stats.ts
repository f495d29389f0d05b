/**
 * Sample statistics and timing helpers of the benchmarks. Percentiles are read from the sorted
 * samples (nearest-rank), never interpolated from a histogram, so p99 is a latency that was
 * actually measured.
 */

/** Summary of a set of timing samples, in the unit of the samples. */
export interface SampleSummary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (0 < q <= 100) of ascending `sorted` samples; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Sorts a copy of the samples and summarises them. */
export function summarize(samples: ArrayLike<number>): SampleSummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    min: sorted.length > 0 ? sorted[0] : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** Median of the samples (NaN when empty). */
export function median(samples: ArrayLike<number>): number {
  return percentile(Float64Array.from(samples).sort(), 50);
}

/** Monotonic clock in milliseconds with sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Times `run` once per call, `iterations` times after `warmup` untimed calls, and returns the
 * samples in milliseconds. For operations of a millisecond or more (model load, retraining).
 */
export function timeRepeated(run: () => void, iterations: number, warmup = 0): Float64Array {
  for (let i = 0; i < warmup; i++) run();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    run();
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return samples;
}

/** `value / reference`, or NaN when either is missing or the reference is 0. */
export function ratio(value: number, reference: number): number {
  return Number.isFinite(value) && Number.isFinite(reference) && reference > 0 ? value / reference : Number.NaN;
}
