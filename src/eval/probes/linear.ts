import * as tf from '@tensorflow/tfjs';
import { RunError } from '../../errors.js';
import {
  checkFeatures,
  checkLabels,
  columnStandardiser,
  l2NormaliseRows,
  type FeatureMatrix,
  type LabelledFeatures,
} from '../features.js';
import { minimiseLbfgs, type LbfgsResult } from '../lbfgs.js';
import { accuracy, type ProbeResult } from './probe-result.js';

/** What a linear probe fits on: L2-normalised rows, the raw features, or raw features standardised per column with training statistics. */
export type LinearFeatures = 'l2' | 'raw' | 'std';

export interface LinearProbeOptions {
  /** Feature map (default 'l2': the geometry the ETF losses train). */
  features?: LinearFeatures;
  /** Inverse penalty strength, as scikit-learn's C (default 1). */
  C?: number;
  /** L-BFGS iteration cap (default 1000). */
  maxIter?: number;
  /** Stop when every entry of the gradient of the *per-sample mean* objective is ≤ tol (default 1e-5). */
  tol?: number;
  /** Stops the fit between L-BFGS iterations (InterruptedError). */
  signal?: AbortSignal;
}

export interface SoftmaxRegression {
  /** K×d row-major. */
  W: Float64Array;
  /** K. */
  b: Float64Array;
  /** Objective value at the solution (summed, not averaged, over samples). */
  objective: number;
  iterations: number;
  stop: LbfgsResult['stop'];
}

export const LINEAR_DEFAULTS = { features: 'l2' as LinearFeatures, C: 1, maxIter: 1000, tol: 1e-5 };

type FitOptions = Required<Pick<LinearProbeOptions, 'C' | 'maxIter' | 'tol'>> & Pick<LinearProbeOptions, 'signal'>;

/**
 * Multinomial logistic (softmax) regression, fitted full-batch and deterministically by L-BFGS
 * from W = 0, b = 0 (or a warm start). The objective is scikit-learn's `LogisticRegression(C)`:
 *
 *   Σ_i CE(W x_i + b, y_i) + (0.5/C) ‖W‖_F²      (no penalty on the bias b)
 *
 * so, with the same features, its optimum is sklearn's (which test/eval/linear-probe.test.ts checks).
 * The two N-sized products per evaluation (W Xᵀ and Xᵀ R) run as tfjs matMuls on the active backend,
 * with no transposed operands (the wasm backend's slow path); the softmax, loss and gradient sums
 * are float64 in JavaScript, because a float32 sum over 60000 losses is too coarse for the line
 * search near the optimum.
 */
export async function fitSoftmaxRegression(
  x: FeatureMatrix,
  labels: Int32Array,
  K: number,
  opts: FitOptions & { init?: Pick<SoftmaxRegression, 'W' | 'b'> },
): Promise<SoftmaxRegression> {
  return (await softmaxRegressionPath(x, labels, K, [opts.C], opts, opts.init))[0];
}

/**
 * Fits at each C in turn, each fit starting from the previous solution (the first from `init`, or
 * from zero): the regularisation path. Along an ascending grid a warm start begins near the next
 * optimum, so most fits take a fraction of the iterations of a cold start; the device copy of X is
 * made once for the whole path.
 */
export async function softmaxRegressionPath(
  x: FeatureMatrix,
  labels: Int32Array,
  K: number,
  Cs: readonly number[],
  opts: Omit<FitOptions, 'C'>,
  init?: Pick<SoftmaxRegression, 'W' | 'b'>,
): Promise<SoftmaxRegression[]> {
  const { n, d } = x;
  for (const C of Cs) if (!(C > 0)) throw new RunError(`linear probe: C must be > 0 (got ${C})`);
  let penalty = 1;
  // Xᵀ (d×N) is the only copy on the device: logitsᵀ = W Xᵀ and ∇_Wᵀ = Xᵀ R are both untransposed
  // matMuls, and the wide-output form W Xᵀ measured 1.5–2× faster on wasm than X Wᵀ. The bias is
  // added in float64 on the host.
  const xT = new Float32Array(d * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xT[j * n + i] = x.data[i * d + j];
  const XT = tf.tensor2d(xT, [d, n]);
  const residual = new Float32Array(n * K);
  const logits = new Float64Array(K);
  try {
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      const zT = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(theta.subarray(0, K * d)), [K, d]), XT));
      const z = zT.dataSync();
      zT.dispose();
      grad.fill(0);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let k = 0; k < K; k++) {
          logits[k] = z[k * n + i] + theta[K * d + k];
          if (logits[k] > max) max = logits[k];
        }
        const y = labels[i];
        // log-sum-exp shifted by the max; the exponentials are kept for the softmax below.
        const shiftedTarget = logits[y] - max;
        let sum = 0;
        for (let k = 0; k < K; k++) {
          logits[k] = Math.exp(logits[k] - max);
          sum += logits[k];
        }
        loss += Math.log(sum) - shiftedTarget;
        for (let k = 0; k < K; k++) {
          // Residual softmax − one-hot: the gradient of the loss with respect to the logits.
          const r = logits[k] / sum - (k === y ? 1 : 0);
          residual[i * K + k] = r;
          grad[K * d + k] += r;
        }
      }
      const gWT = tf.tidy(() => tf.matMul(XT, tf.tensor2d(residual, [n, K])));
      const g = gWT.dataSync();
      gWT.dispose();
      let wSq = 0;
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < d; j++) {
          const w = theta[k * d + j];
          wSq += w * w;
          grad[k * d + j] = g[j * K + k] + penalty * w;
        }
      }
      return loss + 0.5 * penalty * wSq;
    };
    const path: SoftmaxRegression[] = [];
    let theta: Float64Array = new Float64Array(K * d + K);
    if (init) {
      theta.set(init.W);
      theta.set(init.b, K * d);
    }
    for (const C of Cs) {
      penalty = 1 / C;
      const result = await minimiseLbfgs(objective, theta, {
        maxIter: opts.maxIter,
        gradTol: opts.tol * n,
        signal: opts.signal,
      });
      theta = result.x;
      path.push({
        W: result.x.slice(0, K * d),
        b: result.x.slice(K * d),
        objective: result.f,
        iterations: result.iterations,
        stop: result.stop,
      });
    }
    return path;
  } finally {
    XT.dispose();
  }
}

/** argmax_k (W x_i + b)_k for every row, in float64. */
export function predictLinear(x: FeatureMatrix, model: Pick<SoftmaxRegression, 'W' | 'b'>, K: number): Int32Array {
  const { data, n, d } = x;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestZ = -Infinity;
    for (let k = 0; k < K; k++) {
      let z = model.b[k];
      for (let j = 0; j < d; j++) z += model.W[k * d + j] * data[i * d + j];
      if (z > bestZ) {
        bestZ = z;
        best = k;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * The feature map of a linear probe, with its statistics (for 'std') taken from `fitOn` alone, so
 * that rows scored later (validation or test) never inform the map.
 */
export function linearFeatureMap(kind: LinearFeatures, fitOn: FeatureMatrix): (x: FeatureMatrix) => FeatureMatrix {
  if (kind === 'l2') return l2NormaliseRows;
  if (kind === 'raw') return (x) => x;
  return columnStandardiser(fitOn);
}

export function checkProbeSplits(train: LabelledFeatures, test: LabelledFeatures, K: number, what: string): void {
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    checkFeatures(split.features, `${what} (${name})`);
    checkLabels(split.labels, split.features.n, K, `${what} (${name})`);
  }
  if (train.features.d !== test.features.d)
    throw new RunError(`${what}: train features have d=${train.features.d}, test features d=${test.features.d}`);
}

/** The linear probe at a fixed C: fitSoftmaxRegression on `train`, accuracy on `test`. */
export async function linearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  K: number,
  opts: LinearProbeOptions = {},
): Promise<ProbeResult> {
  const o = { ...LINEAR_DEFAULTS, ...opts };
  checkProbeSplits(train, test, K, 'linear probe');
  const prepare = linearFeatureMap(o.features, train.features);
  const model = await fitSoftmaxRegression(prepare(train.features), train.labels, K, o);
  return {
    probe: 'linear',
    accuracy: accuracy(predictLinear(prepare(test.features), model, K), test.labels),
    settings: {
      features: o.features,
      C: o.C,
      C_selection: 'fixed',
      solver: 'lbfgs',
      tol: o.tol,
      max_iter: o.maxIter,
      iterations: model.iterations,
      stop: model.stop,
    },
  };
}
