/** Mean and spread of one metric over the seeds of a group. */
export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  std: number;
  /** How many finite values went in (at least 1). */
  n: number;
}

/**
 * Mean ± sample std of the finite values: NaN (a metric a run did not measure) and ±Infinity are
 * left out. null when no value is finite, so "not measured" cannot be mistaken for a number.
 */
export function meanStd(values: number[]): MeanStd | null {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}
