import { RunError } from '../errors.js';
import { classMeans, nearestCentres } from './centres.js';
import {
  checkFeatures,
  checkLabels,
  featureVariant,
  l2NormaliseRows,
  type FeatureMatrix,
  type FeatureVariant,
} from './features.js';
import { symmetricPseudoInverse } from './symmetric-eigen.js';

/**
 * Feature-geometry metrics (neural collapse and cone statistics), one row per feature variant.
 *
 * Toolkits disagree on the details, so here is exactly what is computed. Notation: x_i the features
 * of the variant (raw, or each row divided by its L2 norm), y_i ∈ [0, K) the labels, N samples,
 * n_k of them in class k, μ_k the class means, and
 *
 *   μ_G = (1/K) Σ_k μ_k          the mean of the class means (not the sample mean: with unbalanced
 *                                classes this keeps Σ_k (μ_k − μ_G) = 0, so Σ_B has rank ≤ K−1 and
 *                                the centred means can be compared with a simplex ETF, whose rows
 *                                also sum to zero; on balanced data the two agree),
 *   m_k = μ_k − μ_G              the centred class means, M̃ the K×d matrix with rows m_k,
 *   Σ_W = (1/N) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ   (population normalisation, pooled over classes),
 *   Σ_B = (1/K) Σ_k m_k m_kᵀ.
 *
 * Columns:
 * - `nc1`             tr(Σ_W Σ_B⁺)/K (Papyan, Han & Donoho 2020). Σ_B⁺ is never formed: with
 *                     G = M̃M̃ᵀ (K×K), Σ_B⁺ = K·M̃ᵀ(G⁺)²M̃, so nc1 = tr(C (G⁺)²) with
 *                     C = M̃ Σ_W M̃ᵀ. G⁺ drops eigenvalues ≤ 1e-10·max (see symmetricPseudoInverse).
 *                     Only within-class spread inside the span of the class means counts.
 * - `nc1_ratio`       tr Σ_W / tr Σ_B.
 * - `cdnv`            class-distance-normalised variance (Galanti, György & Hutter 2022): the mean over
 *                     unordered class pairs k < l of (σ_k² + σ_l²) / (2‖μ_k − μ_l‖²), with
 *                     σ_k² = (1/n_k) Σ_{i: y_i=k} ‖x_i − μ_k‖² (total variance of class k).
 * - `nc2_etf_err`     ‖G/‖G‖_F − E/‖E‖_F‖_F with E = I − 11ᵀ/K, the Gram of a simplex ETF up to scale
 *                     (‖E‖_F = √(K−1)). 0 for an exact simplex ETF of any size; at most 2.
 * - `nc2_equinorm_cv` std/mean of the norms ‖m_k‖ (population std).
 * - `nc3_dual_err`    ‖H/‖H‖_F − M̃/‖M̃‖_F‖_F, where H (K×d) is the head: `classifier.W` when given
 *                     (the learnt head of `ce`), otherwise the fixed `etf`. NaN with neither.
 * - `nc4_ncc_agree`   the fraction of samples where the head's decision argmax_k (H h_i + b)_k, taken on
 *                     the features *as passed in* (the network's own prediction, identical for the ETF
 *                     heads whose logits are s·H u), equals the nearest class centre
 *                     argmin_k ‖x_i − μ_k‖ on the variant's features. NaN without a head.
 * - `angle_dir_*`     angle in degrees between x_i and its class direction: the `etf` row y_i when given,
 *                     else `classifier.W` row y_i; mean, median and 90th percentile (numpy's default
 *                     linear interpolation). Angles are scale-free, so these match across variants.
 *                     NaN with neither.
 * - `angle_mean_*`    angle in degrees between x_i and its own (uncentred) class mean μ_{y_i}: the spread
 *                     of a class around its mean direction, with the cone's apex at the origin.
 * - `in_cone_frac`    fraction of samples whose angle to the class direction is ≤ θ (`thetaDeg`). Only
 *                     defined for the ETF directions: NaN without `etf` or without `thetaDeg`.
 * - `features`        'l2' or 'raw', the variant the row was computed on.
 *
 * A zero vector has angle 90° to everything. All accumulation is in float64, on plain typed arrays:
 * the work is O(N·d·K), and float64 keeps nc1 stable where Σ_B is nearly singular.
 */
export const GEOMETRY_COLUMNS = [
  'features',
  'nc1',
  'nc1_ratio',
  'cdnv',
  'nc2_etf_err',
  'nc2_equinorm_cv',
  'nc3_dual_err',
  'nc4_ncc_agree',
  'angle_dir_mean',
  'angle_dir_median',
  'angle_dir_p90',
  'angle_mean_mean',
  'angle_mean_median',
  'angle_mean_p90',
  'in_cone_frac',
] as const;

export type GeometryRow = { features: FeatureVariant } & Record<
  Exclude<(typeof GEOMETRY_COLUMNS)[number], 'features'>,
  number
>;

export interface LinearHead {
  /** K×d row-major. */
  W: Float32Array;
  /** K biases; zero when absent. */
  b?: Float32Array;
}

export interface GeometryOptions {
  /** The learnt linear head (method `ce`). */
  classifier?: LinearHead;
  /** K×d unit rows: the fixed class directions of the ETF methods. */
  etf?: Float32Array;
  /** Cone half-angle in degrees, for `in_cone_frac`. */
  thetaDeg?: number;
  /** true: L2-normalise every feature row first (what the ETF losses see). */
  normalise: boolean;
}

export function geometryMetrics(
  features: FeatureMatrix,
  labels: Int32Array,
  K: number,
  opts: GeometryOptions,
): GeometryRow {
  const what = 'geometry metrics';
  checkFeatures(features, what);
  if (!Number.isInteger(K) || K < 2) throw new RunError(`${what}: need at least 2 classes (got K=${K})`);
  checkLabels(labels, features.n, K, what);
  const { n, d } = features;
  checkOptions(opts, K, d, what);

  const x = opts.normalise ? l2NormaliseRows(features) : features;
  const { means, counts } = classMeans(x, labels, K, what);
  const centred = centreRows(means, K, d);
  const gram = rowGram(centred, K, d);

  const { sumSqResidual, classVar, C } = residualStatistics(x, labels, means, counts, centred, K);

  const gramPinv = symmetricPseudoInverse(gram, K);
  const nc1 = traceOfProduct(C, matMulSquare(gramPinv, gramPinv, K), K);
  let traceGram = 0;
  for (let k = 0; k < K; k++) traceGram += gram[k * K + k];
  const nc1Ratio = sumSqResidual / n / (traceGram / K);

  const head = opts.classifier ?? (opts.etf ? { W: opts.etf } : undefined);
  const directions = opts.etf ?? opts.classifier?.W;
  const anglesDir = directions ? classAngles(x, labels, Float64Array.from(directions)) : undefined;
  const anglesMean = classAngles(x, labels, means);
  const theta = opts.thetaDeg;

  return {
    features: featureVariant(opts.normalise),
    nc1,
    nc1_ratio: nc1Ratio,
    cdnv: cdnv(means, classVar, K, d),
    nc2_etf_err: etfGramError(gram, K),
    nc2_equinorm_cv: equinormCv(gram, K),
    nc3_dual_err: head ? dualityError(head.W, centred) : NaN,
    nc4_ncc_agree: head ? nccAgreement(features, x, means, head, K) : NaN,
    angle_dir_mean: anglesDir ? mean(anglesDir) : NaN,
    angle_dir_median: anglesDir ? percentile(anglesDir, 50) : NaN,
    angle_dir_p90: anglesDir ? percentile(anglesDir, 90) : NaN,
    angle_mean_mean: mean(anglesMean),
    angle_mean_median: percentile(anglesMean, 50),
    angle_mean_p90: percentile(anglesMean, 90),
    in_cone_frac: opts.etf && anglesDir && theta !== undefined ? anglesDir.filter((a) => a <= theta).length / n : NaN,
  };
}

/** The raw and the L2-normalised rows, in that order: what geometry.csv holds per split and level. */
export function geometryRows(
  features: FeatureMatrix,
  labels: Int32Array,
  K: number,
  opts: Omit<GeometryOptions, 'normalise'>,
): GeometryRow[] {
  return [false, true].map((normalise) => geometryMetrics(features, labels, K, { ...opts, normalise }));
}

function checkOptions(opts: GeometryOptions, K: number, d: number, what: string): void {
  const { classifier, etf, thetaDeg } = opts;
  if (classifier && classifier.W.length !== K * d)
    throw new RunError(`${what}: classifier.W has ${classifier.W.length} values, expected K×d = ${K}×${d}`);
  if (classifier?.b && classifier.b.length !== K)
    throw new RunError(`${what}: classifier.b has ${classifier.b.length} values, expected K = ${K}`);
  if (etf && etf.length !== K * d)
    throw new RunError(`${what}: etf has ${etf.length} values, expected K×d = ${K}×${d}`);
  if (thetaDeg !== undefined && !(thetaDeg > 0 && thetaDeg < 180))
    throw new RunError(`${what}: thetaDeg must be in (0, 180) degrees (got ${thetaDeg})`);
}

function centreRows(rows: Float64Array, K: number, d: number): Float64Array {
  const out = new Float64Array(K * d);
  for (let j = 0; j < d; j++) {
    let g = 0;
    for (let k = 0; k < K; k++) g += rows[k * d + j];
    g /= K;
    for (let k = 0; k < K; k++) out[k * d + j] = rows[k * d + j] - g;
  }
  return out;
}

/**
 * One pass over the residuals e_i = x_i − μ_{y_i}: Σ‖e_i‖² (N·tr Σ_W), the per-class variances
 * σ_k², and C = M̃ Σ_W M̃ᵀ = (1/N) Σ_i (M̃ e_i)(M̃ e_i)ᵀ, the K×K matrix nc1 needs.
 */
function residualStatistics(
  x: FeatureMatrix,
  labels: Int32Array,
  means: Float64Array,
  counts: Int32Array,
  centred: Float64Array,
  K: number,
) {
  const { data, n, d } = x;
  const classVar = new Float64Array(K);
  const C = new Float64Array(K * K);
  const e = new Float64Array(d);
  const p = new Float64Array(K);
  let sumSqResidual = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    let ss = 0;
    for (let j = 0; j < d; j++) {
      e[j] = data[i * d + j] - means[y * d + j];
      ss += e[j] * e[j];
    }
    sumSqResidual += ss;
    classVar[y] += ss;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centred[k * d + j] * e[j];
      p[k] = s;
    }
    for (let a = 0; a < K; a++) for (let b = a; b < K; b++) C[a * K + b] += p[a] * p[b];
  }
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      C[a * K + b] /= n;
      C[b * K + a] = C[a * K + b];
    }
  }
  for (let k = 0; k < K; k++) classVar[k] /= counts[k];
  return { sumSqResidual, classVar, C };
}

/** A Aᵀ for A with K rows of length d. */
function rowGram(A: Float64Array, K: number, d: number): Float64Array {
  const G = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = a; b < K; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[a * d + j] * A[b * d + j];
      G[a * K + b] = s;
      G[b * K + a] = s;
    }
  }
  return G;
}

function matMulSquare(A: Float64Array, B: Float64Array, K: number): Float64Array {
  const out = new Float64Array(K * K);
  for (let i = 0; i < K; i++)
    for (let k = 0; k < K; k++) {
      const a = A[i * K + k];
      for (let j = 0; j < K; j++) out[i * K + j] += a * B[k * K + j];
    }
  return out;
}

/** tr(A B) for K×K matrices. */
function traceOfProduct(A: Float64Array, B: Float64Array, K: number): number {
  let t = 0;
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) t += A[i * K + j] * B[j * K + i];
  return t;
}

function cdnv(means: Float64Array, classVar: Float64Array, K: number, d: number): number {
  let total = 0;
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (means[a * d + j] - means[b * d + j]) ** 2;
      total += (classVar[a] + classVar[b]) / (2 * dist);
    }
  }
  return total / ((K * (K - 1)) / 2);
}

function etfGramError(gram: Float64Array, K: number): number {
  const gramNorm = frobenius(gram);
  const etfNorm = Math.sqrt(K - 1);
  let s = 0;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      const etf = ((a === b ? 1 : 0) - 1 / K) / etfNorm;
      s += (gram[a * K + b] / gramNorm - etf) ** 2;
    }
  }
  return Math.sqrt(s);
}

function equinormCv(gram: Float64Array, K: number): number {
  const norms = Array.from({ length: K }, (_, k) => Math.sqrt(gram[k * K + k]));
  const m = mean(norms);
  const variance = norms.reduce((s, v) => s + (v - m) ** 2, 0) / K;
  return Math.sqrt(variance) / m;
}

function dualityError(W: Float32Array, centred: Float64Array): number {
  const wNorm = frobenius(W);
  const mNorm = frobenius(centred);
  let s = 0;
  for (let i = 0; i < W.length; i++) s += (W[i] / wNorm - centred[i] / mNorm) ** 2;
  return Math.sqrt(s);
}

function nccAgreement(raw: FeatureMatrix, x: FeatureMatrix, means: Float64Array, head: LinearHead, K: number): number {
  const ncc = nearestCentres(x, means, K).index;
  const { data, n, d } = raw;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestLogit = -Infinity;
    for (let k = 0; k < K; k++) {
      let z = head.b ? head.b[k] : 0;
      for (let j = 0; j < d; j++) z += head.W[k * d + j] * data[i * d + j];
      if (z > bestLogit) {
        bestLogit = z;
        best = k;
      }
    }
    if (best === ncc[i]) agree++;
  }
  return agree / n;
}

/** Angle in degrees between each row of x and row y_i of `targets` (K×d). */
export function classAngles(x: FeatureMatrix, labels: Int32Array, targets: Float64Array): number[] {
  const { data, n, d } = x;
  const angles = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = labels[i] * d;
    let dot = 0;
    let xx = 0;
    let tt = 0;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j];
      dot += v * targets[t + j];
      xx += v * v;
      tt += targets[t + j] * targets[t + j];
    }
    const denom = Math.sqrt(xx * tt);
    const cos = denom > 0 ? Math.min(1, Math.max(-1, dot / denom)) : 0;
    angles[i] = (Math.acos(cos) * 180) / Math.PI;
  }
  return angles;
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** numpy.percentile with its default 'linear' method. */
function percentile(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
