import { RunError } from '../errors.js';

/** N×d features, row-major: row i is `data[i*d .. i*d+d)`. This is what extract writes to .npy. */
export interface FeatureMatrix {
  data: Float32Array;
  n: number;
  d: number;
}

/** Features with one integer label per row. */
export interface LabelledFeatures {
  features: FeatureMatrix;
  labels: Int32Array;
}

/** Which variant of the features a metric or probe saw: L2-normalised rows or the raw features. */
export type FeatureVariant = 'l2' | 'raw';

export function checkFeatures(x: FeatureMatrix, what: string): void {
  if (!Number.isInteger(x.n) || !Number.isInteger(x.d) || x.n < 1 || x.d < 1 || x.data.length !== x.n * x.d) {
    throw new RunError(
      `${what}: features must be a non-empty n×d array (got n=${x.n}, d=${x.d}, ${x.data.length} values)`,
    );
  }
}

/** How many values are NaN or ±Inf. */
export function countNonFinite(values: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad++;
  return bad;
}

/** Labels must be one per row and lie in [0, K); probes and metrics index arrays by them. */
export function checkLabels(labels: Int32Array, n: number, K: number, what: string): void {
  if (labels.length !== n) throw new RunError(`${what}: ${labels.length} labels for ${n} feature rows`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y < 0 || y >= K) throw new RunError(`${what}: label ${y} at row ${i} is outside [0, ${K})`);
  }
}

/**
 * Each row divided by its Euclidean norm. A zero row stays zero (as in scikit-learn's `normalize`)
 * instead of becoming NaN, so one dead feature vector cannot poison a whole metric.
 */
export function l2NormaliseRows(x: FeatureMatrix): FeatureMatrix {
  const { data, n, d } = x;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += data[o + j] * data[o + j];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < d; j++) out[o + j] = data[o + j] * inv;
  }
  return { data: out, n, d };
}

/**
 * x ↦ (x − mean) / std per column, with the mean and the (population) standard deviation of `fitOn`,
 * in float64. A constant column keeps scale 1 (as scikit-learn's StandardScaler), so it maps to 0.
 */
export function columnStandardiser(fitOn: FeatureMatrix): (x: FeatureMatrix) => FeatureMatrix {
  const { data, n, d } = fitOn;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scale[j] += (data[i * d + j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) scale[j] = scale[j] > 0 ? Math.sqrt(scale[j] / n) : 1;
  return (x) => {
    if (x.d !== d) throw new RunError(`standardising: features have d=${x.d}, the statistics d=${d}`);
    const out = new Float32Array(x.n * d);
    for (let i = 0; i < x.n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x.data[i * d + j] - mean[j]) / scale[j];
    return { data: out, n: x.n, d };
  };
}

export function featureVariant(normalise: boolean): FeatureVariant {
  return normalise ? 'l2' : 'raw';
}
