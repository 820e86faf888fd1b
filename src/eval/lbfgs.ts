/**
 * Limited-memory BFGS (Nocedal & Wright, Alg. 7.4/7.5) with a backtracking Armijo line search, for
 * smooth convex objectives over a float64 parameter vector. Deterministic: no randomness, and the
 * same sequence of evaluations for the same objective.
 *
 * Written here because no maintained npm package offers L-BFGS on plain typed arrays without a
 * numerics framework of its own; the algorithm is short. Armijo backtracking (no curvature
 * condition) suffices for convex objectives, where sᵀy > 0 holds for every step; pairs that fail it
 * through rounding are skipped.
 */

import { interruptionPoint } from '../util/interruption.js';

/** Writes ∇f(x) into `grad` and returns f(x). */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** Stop when max_i |∇f(x)_i| ≤ gradTol. */
  gradTol: number;
  /**
   * Stop when an accepted step lowers f by ≤ fTol·max(|f|, 1) (default 1e-10): the objective has
   * reached the rounding floor of its evaluation (float32 products in the probes), where further
   * steps only chase noise.
   */
  fTol?: number;
  /** Number of correction pairs kept. */
  memory?: number;
  /** Stops the minimisation between iterations (InterruptedError). */
  signal?: AbortSignal;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /**
   * 'gradient': the tolerance was met; 'max-iter'; 'no-progress': the decrease fell below fTol;
   * 'line-search': no decrease found at all. The last two mean the rounding floor was reached.
   */
  stop: 'gradient' | 'max-iter' | 'no-progress' | 'line-search';
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 40;

export async function minimiseLbfgs(
  fg: ObjectiveWithGradient,
  x0: Float64Array,
  opts: LbfgsOptions,
): Promise<LbfgsResult> {
  const n = x0.length;
  const m = opts.memory ?? 10;
  const fTol = opts.fTol ?? 1e-10;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const dir = new Float64Array(n);
  const xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  for (let iter = 0; ; iter++) {
    await interruptionPoint(opts.signal);
    if (maxAbs(g) <= opts.gradTol) return { x, f, iterations: iter, stop: 'gradient' };
    if (iter >= opts.maxIter) return { x, f, iterations: iter, stop: 'max-iter' };

    // Two-loop recursion: dir = −H g, with H₀ = γI and γ = sᵀy/yᵀy of the newest pair.
    dir.set(g);
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], dir);
      axpy(-alpha[j], Y[j], dir);
    }
    const last = S.length - 1;
    // Without curvature information, the first step has unit length.
    const gamma = last >= 0 ? dot(S[last], Y[last]) / dot(Y[last], Y[last]) : 1 / Math.sqrt(dot(g, g));
    for (let i = 0; i < n; i++) dir[i] *= gamma;
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j] * dot(Y[j], dir);
      axpy(alpha[j] - beta, S[j], dir);
    }
    for (let i = 0; i < n; i++) dir[i] = -dir[i];

    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (rounding in H): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i] / Math.sqrt(dot(g, g));
      slope = dot(g, dir);
    }

    let step = 1;
    let fNew = NaN;
    let accepted = false;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      // Every evaluation, not only every iteration: one can take seconds on large features.
      await interruptionPoint(opts.signal);
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * dir[i];
      fNew = fg(xNew, gNew);
      if (fNew <= f + ARMIJO_C1 * step * slope) {
        accepted = true;
        break;
      }
      // Minimiser of the quadratic through f, slope and fNew, kept within [0.1, 0.5] of the step.
      const quad = (-slope * step * step) / (2 * (fNew - f - slope * step));
      step = Number.isFinite(quad) ? Math.min(0.5 * step, Math.max(0.1 * step, quad)) : 0.5 * step;
    }
    if (!accepted) return { x, f, iterations: iter, stop: 'line-search' };

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = f - fNew;
    x = Float64Array.from(xNew);
    [g, gNew] = [gNew, g];
    f = fNew;
    if (decrease <= fTol * Math.max(Math.abs(f), 1)) return { x, f, iterations: iter + 1, stop: 'no-progress' };
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** y += a·x */
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
