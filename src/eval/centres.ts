import { RunError } from '../errors.js';
import type { FeatureMatrix } from './features.js';

/** Per-class means (K×d row-major, float64) and sample counts. */
export interface ClassMeans {
  means: Float64Array;
  counts: Int32Array;
}

/**
 * Mean feature of each class, accumulated in float64. Every class in [0, K) must have a sample:
 * an empty class has no centre, and silently dropping it would change K under every metric.
 * Labels are assumed already checked to lie in [0, K).
 */
export function classMeans(x: FeatureMatrix, labels: Int32Array, K: number, what: string): ClassMeans {
  const { data, n, d } = x;
  const means = new Float64Array(K * d);
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    counts[y]++;
    const o = i * d;
    const m = y * d;
    for (let j = 0; j < d; j++) means[m + j] += data[o + j];
  }
  for (let k = 0; k < K; k++) {
    if (counts[k] === 0)
      throw new RunError(`${what}: class ${k} has no samples; every class in [0, ${K}) needs at least one`);
    const inv = 1 / counts[k];
    for (let j = 0; j < d; j++) means[k * d + j] *= inv;
  }
  return { means, counts };
}

/** Index of, and squared Euclidean distance to, the nearest of the k centres (k×d row-major) for each row. */
export interface NearestCentres {
  index: Int32Array;
  sqDist: Float64Array;
}

/** Ties go to the lower centre index, so results do not depend on floating-point noise in ordering. */
export function nearestCentres(x: FeatureMatrix, centres: Float64Array, k: number): NearestCentres {
  const { data, n, d } = x;
  const index = new Int32Array(n);
  const sqDist = new Float64Array(n);
  // ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖²; ‖x‖² is the same for every centre, so compare −2x·c + ‖c‖².
  const centreSq = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += centres[c * d + j] * centres[c * d + j];
    centreSq[c] = s;
  }
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let xx = 0;
    for (let j = 0; j < d; j++) xx += data[o + j] * data[o + j];
    let best = 0;
    let bestScore = Infinity;
    for (let c = 0; c < k; c++) {
      const m = c * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += data[o + j] * centres[m + j];
      const score = centreSq[c] - 2 * dot;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    index[i] = best;
    sqDist[i] = Math.max(0, xx + bestScore);
  }
  return { index, sqDist };
}
