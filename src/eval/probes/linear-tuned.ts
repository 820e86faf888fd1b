import { RunError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { FeatureMatrix, LabelledFeatures } from '../features.js';
import {
  checkProbeSplits,
  fitSoftmaxRegression,
  LINEAR_DEFAULTS,
  linearFeatureMap,
  predictLinear,
  softmaxRegressionPath,
  type LinearProbeOptions,
  type SoftmaxRegression,
} from './linear.js';
import { accuracy, type ProbeResult } from './probe-result.js';

export interface CSelectionOptions {
  /** Seed of the validation split (the same seed gives the same split, hence the same C). */
  seed: number | string;
  /** Fraction of each class held out (default 0.2). */
  valFraction?: number;
  /** log10 of the grid's ends and points per decade (default −3, 3, 2: 13 values at half-decades). */
  grid?: { from: number; to: number; perDecade: number };
  /** The grid is extended up to C = 10^±limit (default 5). */
  limit?: number;
  /**
   * `tol` of the grid fits (default 1e-4; the refit uses `tol`, 1e-5): they only rank C by validation
   * accuracy, and on 4000×128 features this halved their iterations without changing the choice.
   */
  gridTol?: number;
}

const SELECTION_DEFAULTS = { valFraction: 0.2, grid: { from: -3, to: 3, perDecade: 2 }, limit: 5, gridTol: 1e-4 };

export interface CSelection {
  C: number;
  /** Every C tried, ascending, with its validation accuracy and mean cross-entropy, and the L-BFGS iterations. */
  tried: { C: number; valAccuracy: number; valLoss: number; iterations: number }[];
  /** 'low' / 'high' when the best C is still the smallest / largest tried after extending; else 'none'. */
  edge: 'none' | 'low' | 'high';
  /** L-BFGS iterations summed over the grid fits. */
  iterations: number;
  /** The validation fit at the chosen C (a warm start for the refit). */
  model: SoftmaxRegression;
}

/** Row indices of each part: per class, a seeded shuffle and the first round(fraction·n_c) rows held out (at least one, never all). */
export function stratifiedSplit(
  labels: Int32Array,
  K: number,
  fraction: number,
  seed: number | string,
): { fit: Int32Array; val: Int32Array } {
  if (!(fraction > 0 && fraction < 1))
    throw new RunError(`linear probe: validation fraction must be in (0, 1) (got ${fraction})`);
  const byClass: number[][] = Array.from({ length: K }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  const rng = new Rng(`${seed}/linear-probe-split`);
  const fit: number[] = [];
  const val: number[] = [];
  for (const rows of byClass) {
    rng.shuffle(rows);
    const held = rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.max(1, Math.round(fraction * rows.length)));
    val.push(...rows.slice(0, held));
    fit.push(...rows.slice(held));
  }
  if (val.length === 0)
    throw new RunError(
      'linear probe: no class has 2 training samples, so no validation split can be held out to choose C',
    );
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { fit: sorted(fit), val: sorted(val) };
}

function takeRows(x: LabelledFeatures, rows: Int32Array): LabelledFeatures {
  const { d } = x.features;
  const data = new Float32Array(rows.length * d);
  rows.forEach((i, r) => data.set(x.features.data.subarray(i * d, (i + 1) * d), r * d));
  return { features: { data, n: rows.length, d }, labels: Int32Array.from(rows, (i) => x.labels[i]) };
}

/** Chooses C on a validation split of `train` (steps 1–3 of tunedLinearProbe, below). */
export function selectC(
  train: LabelledFeatures,
  K: number,
  opts: CSelectionOptions & Pick<LinearProbeOptions, 'features' | 'maxIter' | 'tol'>,
): CSelection {
  const o = { ...LINEAR_DEFAULTS, ...SELECTION_DEFAULTS, ...opts };
  const { from, to, perDecade } = o.grid;
  if (!(perDecade > 0 && to >= from && o.limit >= Math.max(-from, to)))
    throw new RunError(`linear probe: bad C grid 10^${from}…10^${to} (${perDecade}/decade, limit 10^±${o.limit})`);
  const { fit, val } = stratifiedSplit(train.labels, K, o.valFraction, o.seed);
  const fitPart = takeRows(train, fit);
  const valPart = takeRows(train, val);
  const prepare = linearFeatureMap(o.features, fitPart.features);
  const x: FeatureMatrix = prepare(fitPart.features);
  const xVal = prepare(valPart.features);
  const fitOpts = { maxIter: o.maxIter, tol: o.gridTol };
  // Grid points as integer steps of 1/perDecade decades, so extended points land on the same lattice.
  const C = (step: number) => 10 ** (step / perDecade);
  const tried: { step: number; valAccuracy: number; valLoss: number; model: SoftmaxRegression }[] = [];
  let iterations = 0;
  const score = (steps: number[], init?: SoftmaxRegression) =>
    softmaxRegressionPath(x, fitPart.labels, K, steps.map(C), fitOpts, init).map((model, i) => {
      iterations += model.iterations;
      return { step: steps[i], ...validationScore(xVal, valPart.labels, model, K), model };
    });
  const lo = Math.round(from * perDecade);
  const hi = Math.round(to * perDecade);
  const cap = Math.round(o.limit * perDecade);
  tried.push(...score(Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)));
  let best = bestIndex(tried);
  // Extend past an end while the best C sits on it. Downwards the path runs from the smallest fit towards smaller C.
  while (best === tried.length - 1 && tried[best].step < cap) {
    tried.push(...score([tried[best].step + 1], tried[best].model));
    best = bestIndex(tried);
  }
  while (best === 0 && tried[0].step > -cap) {
    tried.unshift(...score([tried[0].step - 1], tried[0].model));
    best = bestIndex(tried);
  }
  const edge = best === 0 ? 'low' : best === tried.length - 1 ? 'high' : 'none';
  return {
    C: C(tried[best].step),
    tried: tried.map((t) => ({
      C: C(t.step),
      valAccuracy: t.valAccuracy,
      valLoss: t.valLoss,
      iterations: t.model.iterations,
    })),
    edge,
    iterations,
    model: tried[best].model,
  };
}

/** Highest validation accuracy, then lowest validation cross-entropy, then the first (smallest C). */
function bestIndex(tried: { valAccuracy: number; valLoss: number }[]): number {
  let best = 0;
  tried.forEach((t, i) => {
    const b = tried[best];
    if (t.valAccuracy > b.valAccuracy || (t.valAccuracy === b.valAccuracy && t.valLoss < b.valLoss)) best = i;
  });
  return best;
}

/** Accuracy and mean softmax cross-entropy of a fit on held-out rows, in float64. */
function validationScore(
  x: FeatureMatrix,
  labels: Int32Array,
  model: SoftmaxRegression,
  K: number,
): { valAccuracy: number; valLoss: number } {
  const { data, n, d } = x;
  const z = new Float64Array(K);
  let hits = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < K; k++) {
      let v = model.b[k];
      for (let j = 0; j < d; j++) v += model.W[k * d + j] * data[i * d + j];
      z[k] = v;
      if (v > max) [max, arg] = [v, k];
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(z[k] - max);
    loss += Math.log(sum) - (z[labels[i]] - max);
    if (arg === labels[i]) hits++;
  }
  return { valAccuracy: hits / n, valLoss: loss / n };
}

/**
 * The linear probe with its penalty chosen on the training features alone, so that methods whose
 * features differ in scale and spread each get their best C rather than one fixed C for all:
 *
 * 1. a seeded, stratified split of the training rows: `valFraction` of each class is held out;
 * 2. the feature map (for 'std', its statistics) is fitted on the remaining rows, and softmax
 *    regression is fitted along the grid C = 10^from … 10^to at `perDecade` points per decade, each
 *    fit warm-started from the previous one;
 * 3. C = the grid value with the best validation accuracy; among ties, the lowest validation
 *    cross-entropy (accuracy is flat over whole ranges of C, e.g. towards small C, where the model
 *    tends to a class-mean classifier; the cross-entropy has a unique minimum there), then the
 *    smallest C. If that is the grid's first or last value, the optimum may
 *    lie beyond it: the grid is extended one step at a time in that direction until the best C is
 *    interior or C reaches 10^±`limit`; a best C still at an end is reported in `C_edge`;
 * 4. the map and the model are refitted on all training rows at that C, and scored on `test`.
 *
 * The test features are used only in step 4.
 */
export function tunedLinearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  K: number,
  opts: CSelectionOptions & Pick<LinearProbeOptions, 'features' | 'maxIter' | 'tol'>,
): ProbeResult {
  const o = { ...LINEAR_DEFAULTS, ...SELECTION_DEFAULTS, ...opts };
  checkProbeSplits(train, test, K, 'linear probe');
  const selection = selectC(train, K, o);
  const prepare = linearFeatureMap(o.features, train.features);
  const model = fitSoftmaxRegression(prepare(train.features), train.labels, K, {
    C: selection.C,
    maxIter: o.maxIter,
    tol: o.tol,
    init: selection.model,
  });
  const best = selection.tried.find((t) => t.C === selection.C)!;
  return {
    probe: 'linear',
    accuracy: accuracy(predictLinear(prepare(test.features), model, K), test.labels),
    settings: {
      features: o.features,
      C: selection.C,
      C_selection: 'val-split',
      C_grid: `${selection.tried[0].C.toExponential(1)}..${selection.tried[selection.tried.length - 1].C.toExponential(1)} x${selection.tried.length}`,
      C_edge: selection.edge,
      val_fraction: o.valFraction,
      val_accuracy: best.valAccuracy,
      val_loss: best.valLoss,
      split_seed: o.seed,
      solver: 'lbfgs',
      tol: o.tol,
      max_iter: o.maxIter,
      iterations: model.iterations,
      grid_tol: o.gridTol,
      grid_iterations: selection.iterations,
      stop: model.stop,
    },
  };
}
