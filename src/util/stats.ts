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

/** Ranks 1..n of the values, tied values sharing the average of their ranks (scipy's rankdata 'average'). */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const ranks = new Array<number>(xs.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && xs[order[end]] === xs[order[start]]) end++;
    // Positions start..end-1 hold equal values: ranks start+1..end, averaged.
    for (let k = start; k < end; k++) ranks[order[k]] = (start + 1 + end) / 2;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks, as scipy.stats.spearmanr
 * (ties handled). NaN for fewer than 2 pairs or a constant input. Pairs with a non-finite value are left out.
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const keep = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  if (keep.length < 2) return NaN;
  const rx = averageRanks(keep.map((i) => x[i]));
  const ry = averageRanks(keep.map((i) => y[i]));
  const mean = (keep.length + 1) / 2;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < keep.length; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** ln Γ(x) for x > 0: Lanczos' approximation (g = 7, 9 terms), relative error ~1e-15. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz), for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b)));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The p-quantile of Student's t distribution with `df` degrees of freedom (scipy.stats.t.ppf).
 * P(T > t) = I_{df/(df+t²)}(df/2, 1/2) / 2 for t ≥ 0; that is solved for x = df/(df+t²) by
 * bisection (I_x increases in x), which reaches full double precision in 100 halvings.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1 && df > 0)) return NaN;
  if (p === 0.5) return 0;
  const tail = Math.min(p, 1 - p);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, df / 2, 0.5) / 2 < tail) lo = mid;
    else hi = mid;
  }
  const x = (lo + hi) / 2;
  const t = Math.sqrt((df * (1 - x)) / x);
  return p > 0.5 ? t : -t;
}

/** Confidence level of the paired differences to the baseline in summary.md, the terminal and report.html. */
export const DIFFERENCE_LEVEL = 0.95;

/** A mean over seeds with its confidence interval and how many seeds agree on its sign. */
export interface MeanInterval extends MeanStd {
  /** Confidence level of [low, high], e.g. 0.95. */
  level: number;
  /** Ends of the interval; NaN for a single value (no spread to estimate). */
  low: number;
  high: number;
  /** Values of the sign of the mean (> 0 when the mean is > 0, < 0 when < 0; none when it is 0). */
  agree: number;
}

/**
 * Mean of the finite values with Student's t confidence interval, mean ± t_{(1+level)/2, n−1}·s/√n.
 *
 * t rather than a bootstrap, because suites have n = 3–10 seeds: a percentile bootstrap of n values
 * can never reach past their minimum and maximum (with n = 3 there are only 10 distinct resampled
 * means), so it is too narrow and covers the true mean far less often than it claims; the t interval
 * is exact when the per-seed values are normal, which a paired difference of two test accuracies, each
 * an average over thousands of images, is close to, and it widens honestly for few seeds (t = 4.30 at n = 3).
 * null when no value is finite.
 */
export function tInterval(values: number[], level = 0.95): MeanInterval | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1) (got ${level})`);
  const s = meanStd(values);
  if (!s) return null;
  const half = s.n > 1 ? (studentTQuantile((1 + level) / 2, s.n - 1) * s.std) / Math.sqrt(s.n) : NaN;
  const agree = values.filter((v) => Number.isFinite(v) && Math.sign(v) === Math.sign(s.mean) && v !== 0).length;
  return { ...s, level, low: s.mean - half, high: s.mean + half, agree };
}

/**
 * Where 0 lies relative to an interval: a difference is 'higher' or 'lower' only when its whole interval
 * is on one side of 0; one whose interval contains 0 is no difference the seeds can tell, whatever its mean.
 */
export function differenceVerdict(d: MeanInterval): 'higher' | 'lower' | 'no clear difference' | 'one seed' {
  if (d.n < 2) return 'one seed';
  if (d.low > 0) return 'higher';
  if (d.high < 0) return 'lower';
  return 'no clear difference';
}
