import { describe, expect, it } from 'vitest';
import { symmetricEigen, symmetricPseudoInverse } from '../../src/eval/symmetric-eigen.js';
import { Rng } from '../../src/util/rng.js';

/** n×n row-major helpers, float64. */
function matMul(A: Float64Array, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) C[i * n + j] += A[i * n + k] * B[k * n + j];
  return C;
}
function transpose(A: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[j * n + i] = A[i * n + j];
  return T;
}
function maxAbsDiff(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < A.length; i++) m = Math.max(m, Math.abs(A[i] - B[i]));
  return m;
}
function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}
function diag(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) D[i * n + i] = values[i];
  return D;
}
/** B Bᵀ for a Gaussian n×rank B: symmetric PSD of rank `rank` (almost surely). */
function lowRankPsd(n: number, rank: number, rng: Rng): Float64Array {
  const B = Array.from({ length: n * rank }, () => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < rank; k++) A[i * n + j] += B[i * rank + k] * B[j * rank + k];
  return A;
}
function randomSymmetric(n: number, rng: Rng): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
  return A;
}
function frob(A: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < A.length; i++) s += A[i] * A[i];
  return Math.sqrt(s);
}

function expectValidDecomposition(A: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(A, n);
  const scale = Math.max(1, frob(A));
  // Orthonormal eigenvectors: VᵀV = I.
  expect(maxAbsDiff(matMul(transpose(vectors, n), vectors, n), identity(n))).toBeLessThan(1e-12);
  // Reconstruction: V Λ Vᵀ = A.
  expect(maxAbsDiff(matMul(matMul(vectors, diag(values), n), transpose(vectors, n), n), A)).toBeLessThan(1e-12 * scale);
  for (let i = 1; i < n; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
  return values;
}

describe('symmetricEigen', () => {
  it('decomposes random symmetric matrices (reconstruction, orthogonality, descending order)', () => {
    const rng = new Rng('eigen-random');
    for (const n of [1, 2, 3, 7, 20, 40]) expectValidDecomposition(randomSymmetric(n, rng), n);
  });

  it('recovers known eigenvalues of Q diag(λ) Qᵀ, including repeated ones', () => {
    const rng = new Rng('eigen-known');
    const n = 6;
    const lambda = [5, 5, 2, 0, -1, -1];
    // Q: eigenvectors of a random symmetric matrix are a random orthogonal basis.
    const Q = symmetricEigen(randomSymmetric(n, rng), n).vectors;
    const A = matMul(matMul(Q, diag(lambda), n), transpose(Q, n), n);
    const values = expectValidDecomposition(A, n);
    expect(maxAbsDiff(values, lambda)).toBeLessThan(1e-12);
  });

  it('handles rank-deficient PSD matrices: exactly n − rank eigenvalues at rounding level', () => {
    const rng = new Rng('eigen-rank');
    for (const [n, rank] of [
      [5, 1],
      [10, 4],
      [30, 29],
    ] as const) {
      const A = lowRankPsd(n, rank, rng);
      const values = expectValidDecomposition(A, n);
      const tol = 1e-12 * values[0];
      expect(Array.from(values).filter((v) => Math.abs(v) <= tol).length).toBe(n - rank);
      expect(values[rank - 1]).toBeGreaterThan(1e-6 * values[0]);
    }
  });

  it('is exact on the simplex-ETF Gram I − 11ᵀ/K (eigenvalue 1 K−1 times, then 0)', () => {
    const K = 10;
    const E = new Float64Array(K * K).map((_, i) => (Math.floor(i / K) === i % K ? 1 : 0) - 1 / K);
    const values = expectValidDecomposition(E, K);
    expect(maxAbsDiff(values, [...new Array(K - 1).fill(1), 0])).toBeLessThan(1e-14);
  });

  it('rejects a wrongly sized input', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/2×2/);
  });
});

describe('symmetricPseudoInverse', () => {
  it('satisfies the Penrose conditions on rank-deficient matrices', () => {
    const rng = new Rng('pinv');
    for (const [n, rank] of [
      [6, 2],
      [12, 11],
      [4, 4],
    ] as const) {
      const A = lowRankPsd(n, rank, rng);
      const P = symmetricPseudoInverse(A, n);
      const scaleA = frob(A);
      const scaleP = frob(P);
      expect(maxAbsDiff(matMul(matMul(A, P, n), A, n), A)).toBeLessThan(1e-9 * scaleA);
      expect(maxAbsDiff(matMul(matMul(P, A, n), P, n), P)).toBeLessThan(1e-9 * scaleP);
      expect(maxAbsDiff(P, transpose(P, n))).toBeLessThan(1e-12 * scaleP);
      // A A⁺ is the orthogonal projector onto range(A): symmetric, trace = rank.
      const AP = matMul(A, P, n);
      expect(maxAbsDiff(AP, transpose(AP, n))).toBeLessThan(1e-9);
      let trace = 0;
      for (let i = 0; i < n; i++) trace += AP[i * n + i];
      expect(trace).toBeCloseTo(rank, 9);
    }
  });

  it('is the inverse of an invertible matrix and zero for the zero matrix', () => {
    const rng = new Rng('pinv-inv');
    const n = 5;
    const A = randomSymmetric(n, rng);
    expect(maxAbsDiff(matMul(A, symmetricPseudoInverse(A, n), n), identity(n))).toBeLessThan(1e-9);
    expect(Array.from(symmetricPseudoInverse(new Float64Array(9), 3))).toEqual(new Array(9).fill(0));
  });
});
