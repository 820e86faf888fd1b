import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';

/** φ = arccos(−1/(K−1)): the angle between any two directions of a K-class simplex ETF, in degrees. */
export function etfAngleDeg(K: number): number {
  assertClassCount(K);
  return (Math.acos(-1 / (K - 1)) * 180) / Math.PI;
}

/** φ/2: the largest cone half-angle for which the cones around the K ETF directions stay disjoint. */
export function maxThetaDeg(K: number): number {
  return etfAngleDeg(K) / 2;
}

/**
 * The simplex equiangular tight frame W = sqrt(K/(K−1)) · (P (I − 11ᵀ/K))ᵀ as a K×d tensor:
 * unit rows, pairwise cosine −1/(K−1), rows summing to zero. P (d×K, orthonormal columns) is the
 * Q factor of a seeded Gaussian, so W is reproducible from (K, d, seed).
 *
 * Computed in float64 in JavaScript rather than with tf.linalg.qr, which runs in float32 on whatever
 * backend is active and so can give slightly different frames on cpu, wasm and CUDA; a run must get
 * the same class directions wherever it is resumed.
 */
export function simplexEtf(K: number, d: number, seed: number): tf.Tensor2D {
  assertClassCount(K);
  if (!Number.isInteger(d) || d < K) {
    throw new UsageError(
      `simplex ETF: the feature dimension d must be ≥ K, the number of classes (got d=${d}, K=${K}); ` +
        'raise the feature dimension',
    );
  }
  const P = orthonormalColumns(seededGaussian(d, K, seed), d, K);
  const scale = Math.sqrt(K / (K - 1));
  const W = new Float32Array(K * d);
  for (let r = 0; r < d; r++) {
    let mean = 0;
    for (let k = 0; k < K; k++) mean += P[r * K + k];
    mean /= K;
    // Row k of W is column k of P minus the mean column: that is the (I − 11ᵀ/K) centring.
    for (let k = 0; k < K; k++) W[k * d + r] = scale * (P[r * K + k] - mean);
  }
  return tf.tensor2d(W, [K, d]);
}

function assertClassCount(K: number): void {
  if (!Number.isInteger(K) || K < 2) {
    throw new UsageError(`simplex ETF: the number of classes K must be an integer ≥ 2 (got ${K})`);
  }
}

/** d×K row-major standard normals, from a stream salted so it never coincides with other users of the run seed. */
function seededGaussian(d: number, K: number, seed: number): Float64Array {
  const rng = new Rng(`${seed}/simplex-etf`);
  const A = new Float64Array(d * K);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal();
  return A;
}

/**
 * Q of the thin QR of A (d×K, row-major), by modified Gram–Schmidt with one re-orthogonalisation
 * pass ("twice is enough"), which keeps the columns orthonormal to float64 rounding.
 */
function orthonormalColumns(A: Float64Array, d: number, K: number): Float64Array {
  const Q = A.slice();
  for (let k = 0; k < K; k++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += Q[r * K + j] * Q[r * K + k];
        for (let r = 0; r < d; r++) Q[r * K + k] -= dot * Q[r * K + j];
      }
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += Q[r * K + k] ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) Q[r * K + k] /= norm;
  }
  return Q;
}
