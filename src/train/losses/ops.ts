import * as tf from '@tensorflow/tfjs';
import { etfAngleDeg } from '../../model/etf.js';

/**
 * Added under the square root of the squared norm so that a zero row (a zero feature, or the
 * batch-mean of a class absent from the batch) normalises to zero with a finite gradient.
 */
const NORM_EPS = 1e-12;

/** Each row divided by its L2 norm: u = h / sqrt(‖h‖² + ε). */
export function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div<tf.Tensor2D>(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), NORM_EPS)));
}

/** Float one-hot [N,K] of int32 labels: the mask every loss uses instead of gathering. */
export function oneHotTargets(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(labels, numClasses) as tf.Tensor2D, 'float32');
}

/** Per-row value of the target column, [N]: a masked sum, so gradients flow on every backend. */
export function targetColumn(values: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(values, targets), 1);
}

/** Softmax cross-entropy averaged over rows with non-zero weight (all rows when weights are omitted). */
export function crossEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  options: { labelSmoothing?: number; rowWeights?: tf.Tensor1D } = {},
): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(targets, logits, options.rowWeights, options.labelSmoothing ?? 0) as tf.Scalar;
}

/** Cosine bounds of a cone of half-angle θ around a K-class ETF direction. */
export interface ConeBounds {
  /** cos θ: a feature is inside its own cone when u·w_y > cos θ. */
  inner: number;
  /** cos(φ − θ): the largest cosine to another class's direction that a feature inside its own cone can have. */
  outer: number;
}

export function coneBounds(thetaDeg: number, K: number): ConeBounds {
  const rad = Math.PI / 180;
  return { inner: Math.cos(thetaDeg * rad), outer: Math.cos((etfAngleDeg(K) - thetaDeg) * rad) };
}

/**
 * The project's cone logits: s · (target(c) on the target column, max(c, cos(φ−θ)) elsewhere), with
 * c the cosines [N,K]. The default target term min(c, cos θ) stops at the cone surface.
 *
 * Select-by-mask (tf.where) rather than blending with arithmetic, so a clipped entry passes exactly
 * zero gradient. At a tie (c exactly on a bound) tf.minimum/tf.maximum send the gradient to c, i.e.
 * the boundary counts as outside; strictly inside the cone the gradient is exactly zero.
 */
export function coneLogits(
  cos: tf.Tensor2D,
  targets: tf.Tensor2D,
  scale: number,
  bounds: ConeBounds,
  targetTerm: (cos: tf.Tensor2D) => tf.Tensor2D = (c) => tf.minimum(c, bounds.inner),
): tf.Tensor2D {
  const isTarget = tf.cast(targets, 'bool');
  return tf.mul(tf.where(isTarget, targetTerm(cos), tf.maximum(cos, bounds.outer)), scale);
}
