/**
 * Eigen-decomposition of small real symmetric matrices by the cyclic Jacobi method, in float64.
 *
 * Written here because tfjs has no eigen-solver or pseudo-inverse, and the matrices the metrics need
 * are K×K Grams of class means (K ≤ a few hundred), where Jacobi is simple, accurate to machine
 * precision (also for tiny and zero eigenvalues, which is what rank-deficient Grams have) and fast
 * enough: each sweep is O(n³) and it converges quadratically, in well under 20 sweeps.
 */
export interface SymmetricEigen {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** n×n row-major; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

const MAX_SWEEPS = 100;

/** `a` is n×n row-major; only its symmetric part (A + Aᵀ)/2 is used. `a` is not modified. */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;

  let total = 0;
  for (let i = 0; i < n * n; i++) total += A[i] * A[i];
  // Stop once the off-diagonal mass is at rounding level relative to the whole matrix.
  const offTarget = total * Number.EPSILON * Number.EPSILON;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] * A[p * n + q];
    if (off <= offTarget) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes A[p][q] (Golub & Van Loan, Alg. 8.4.1); t is the smaller root,
        // which keeps the rotation below 45° and the iteration stable.
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors };
}

/**
 * Moore–Penrose pseudo-inverse of a symmetric n×n matrix: V diag(1/λ) Vᵀ over the eigenvalues with
 * |λ| > rtol · max|λ|; the others are treated as exact zeros. The default 1e-10 sits far above float64
 * rounding of a structurally zero eigenvalue (~1e-16 relative) and far below anything float32
 * features can resolve, so it separates the true rank cleanly (numpy's `pinv(rcond=1e-10)` agrees).
 */
export function symmetricPseudoInverse(a: ArrayLike<number>, n: number, rtol = 1e-10): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const lambda = values[j];
    if (Math.abs(lambda) <= rtol * maxAbs || lambda === 0) continue;
    const inv = 1 / lambda;
    for (let r = 0; r < n; r++) {
      const vr = vectors[r * n + j] * inv;
      for (let c = 0; c < n; c++) out[r * n + c] += vr * vectors[c * n + j];
    }
  }
  return out;
}
