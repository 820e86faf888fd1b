import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { assignHeadState } from './head-state.js';
import { oneHotTargets } from './ops.js';
import type { Loss, LossContext } from './types.js';

/**
 * A loss on a learnable linear classifier h·W + b (W: d×K, Glorot-uniform; b: zeros). The initial
 * weights come from the project's Rng on a stream salted with "linear-head", so they are the same
 * on every backend and independent of other users of the run seed (tf.initializers.glorotUniform
 * would draw from tfjs's own generator instead of the project's single source of randomness).
 */
export function linearHeadLoss(
  name: string,
  ctx: LossContext,
  batchLoss: (logits: tf.Tensor2D, targets: tf.Tensor2D) => tf.Scalar,
): Loss {
  const { featureDim: d, numClasses: K } = ctx;
  // tidy frees the initial tensors; the variables keep their own references to the data.
  const kernel = tf.tidy(() => tf.variable(glorotUniform(d, K, ctx.seed)));
  const bias = tf.tidy(() => tf.variable(tf.zeros([K]) as tf.Tensor1D));
  const variables = { 'head/kernel': kernel, 'head/bias': bias };
  const logits = (features: tf.Tensor2D) => tf.add(tf.matMul(features, kernel), bias) as tf.Tensor2D;
  return {
    name,
    headVariables: [kernel, bias],
    classDirections: () => null,
    logits: (features) => tf.tidy(() => logits(features)),
    loss: (features, labels) => tf.tidy(() => batchLoss(logits(features), oneHotTargets(labels, K))),
    state: () => ({ ...variables }),
    setState: (s) => assignHeadState(variables, s),
    dispose: () => {
      kernel.dispose();
      bias.dispose();
    },
  };
}

function glorotUniform(fanIn: number, fanOut: number, seed: number): tf.Tensor2D {
  const rng = new Rng(`${seed}/linear-head`);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = limit * (2 * rng.next() - 1);
  return tf.tensor2d(values, [fanIn, fanOut]);
}
