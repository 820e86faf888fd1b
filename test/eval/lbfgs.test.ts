import { describe, expect, it } from 'vitest';
import { minimiseLbfgs } from '../../src/eval/lbfgs.js';
import { symmetricEigen } from '../../src/eval/symmetric-eigen.js';
import { Rng } from '../../src/util/rng.js';

describe('minimiseLbfgs', () => {
  it('solves an ill-conditioned convex quadratic to its closed-form minimiser A⁻¹b', async () => {
    const n = 20;
    const rng = new Rng('lbfgs-quadratic');
    // A = Q diag(λ) Qᵀ with λ from 1 to 1000 (condition number 1000).
    const sym = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) sym[i * n + j] = sym[j * n + i] = rng.normal();
    const Q = symmetricEigen(sym, n).vectors;
    const lambda = Array.from({ length: n }, (_, i) => 1000 ** (i / (n - 1)));
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) A[i * n + j] += Q[i * n + k] * lambda[k] * Q[j * n + k];
    const xStar = Float64Array.from({ length: n }, () => rng.normal());
    const b = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += A[i * n + j] * xStar[j];

    const result = await minimiseLbfgs(
      (x, grad) => {
        let f = 0;
        for (let i = 0; i < n; i++) {
          let ax = 0;
          for (let j = 0; j < n; j++) ax += A[i * n + j] * x[j];
          grad[i] = ax - b[i];
          f += 0.5 * x[i] * ax - b[i] * x[i];
        }
        return f;
      },
      new Float64Array(n),
      { maxIter: 500, gradTol: 1e-9, fTol: 0 },
    );
    // Near the optimum f changes by ~λ_min·δ²/2, below float64 resolution of f (~1e-13 here) once
    // δ ≈ 1e-6: that is the floor of any line search on f, so 'no-progress' is a proper end.
    expect(['gradient', 'no-progress']).toContain(result.stop);
    for (let i = 0; i < n; i++) expect(result.x[i]).toBeCloseTo(xStar[i], 5);
  });

  it('finds the Rosenbrock minimum (1, 1)', async () => {
    const result = await minimiseLbfgs(
      (x, grad) => {
        const [a, b] = [x[0], x[1]];
        grad[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        grad[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { maxIter: 1000, gradTol: 1e-8, fTol: 0 },
    );
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
  });

  it('reports max-iter when stopped early, with the best point so far', async () => {
    const result = await minimiseLbfgs(
      (x, grad) => {
        grad[0] = 2 * (x[0] - 3);
        return (x[0] - 3) ** 2;
      },
      Float64Array.from([0]),
      { maxIter: 0, gradTol: 1e-12 },
    );
    expect(result.stop).toBe('max-iter');
    expect(result.f).toBe(9);
  });
});
