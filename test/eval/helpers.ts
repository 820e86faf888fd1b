import type { FeatureMatrix } from '../../src/eval/features.js';
import type { Rng } from '../../src/util/rng.js';

/**
 * The simplex ETF built on the first K standard basis vectors of R^d:
 * w_k = sqrt(K/(K−1)) (e_k − (1/K) Σ_l e_l). Unit rows, pairwise cosine −1/(K−1), and every basis
 * vector e_j with j ≥ K is orthogonal to all of them, which the cone constructions use.
 */
export function basisEtf(K: number, d: number): Float64Array {
  const W = new Float64Array(K * d);
  const scale = Math.sqrt(K / (K - 1));
  for (let k = 0; k < K; k++) for (let j = 0; j < K; j++) W[k * d + j] = scale * ((k === j ? 1 : 0) - 1 / K);
  return W;
}

export function featureMatrix(rows: ArrayLike<number>[], d: number): FeatureMatrix {
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => data.set(Array.from(r), i * d));
  return { data, n: rows.length, d };
}

/** Row k of a K×d row-major matrix, times `scale`. */
export function row(M: ArrayLike<number>, k: number, d: number, scale = 1): number[] {
  return Array.from({ length: d }, (_, j) => M[k * d + j] * scale);
}

/**
 * Well-separated Gaussian clusters: class k centred at `separation`·e_k (k < d), unit-variance noise.
 * Labels are balanced and interleaved.
 */
export function gaussianClusters(
  n: number,
  K: number,
  d: number,
  separation: number,
  rng: Rng,
): { features: FeatureMatrix; labels: Int32Array } {
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % K;
    labels[i] = y;
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (j === y ? separation : 0);
  }
  return { features: { data, n, d }, labels };
}
