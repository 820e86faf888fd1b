import * as tf from '@tensorflow/tfjs';
import { simplexEtf } from '../../model/etf.js';
import { assignHeadState } from './head-state.js';
import { normalizeRows, oneHotTargets } from './ops.js';
import type { Loss, LossContext } from './types.js';

/** What a fixed-ETF loss sees of a batch. */
export interface EtfBatch {
  /** Normalised features u [N,d]. */
  unit: tf.Tensor2D;
  /** Cosines u·w_k [N,K]. */
  cos: tf.Tensor2D;
  /** Float one-hot of the labels [N,K]. */
  targets: tf.Tensor2D;
  /** The ETF rows [K,d]. */
  directions: tf.Tensor2D;
}

/**
 * A loss on a fixed simplex ETF built from (K, d, seed): everything but the batch loss is shared.
 * The ETF is a non-trainable variable so that restoring a checkpoint can overwrite it in place
 * (references handed out by classDirections() stay valid) and a checkpoint carries the exact
 * directions it was trained against.
 */
export function fixedEtfLoss(
  name: string,
  ctx: LossContext,
  logitScale: number,
  batchLoss: (batch: EtfBatch) => tf.Scalar,
): Loss {
  // tidy frees the initial tensor; the variable keeps its own reference to the data.
  const directions: tf.Variable<tf.Rank.R2> = tf.tidy(() =>
    tf.variable(simplexEtf(ctx.numClasses, ctx.featureDim, ctx.seed), false),
  );
  return {
    name,
    headVariables: [],
    classDirections: () => directions,
    logits: (features) =>
      tf.tidy(() => tf.mul<tf.Tensor2D>(tf.matMul(normalizeRows(features), directions, false, true), logitScale)),
    loss: (features, labels) =>
      tf.tidy(() => {
        const unit = normalizeRows(features);
        const cos = tf.matMul<tf.Tensor2D>(unit, directions, false, true);
        return batchLoss({ unit, cos, targets: oneHotTargets(labels, ctx.numClasses), directions });
      }),
    state: () => ({ 'head/etf': directions }),
    setState: (s) => assignHeadState({ 'head/etf': directions }, s),
    dispose: () => directions.dispose(),
  };
}
