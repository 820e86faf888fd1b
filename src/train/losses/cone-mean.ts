import * as tf from '@tensorflow/tfjs';
import { fixedEtfLoss } from './fixed-etf-loss.js';
import { coneBounds, coneLogits, crossEntropy, normalizeRows } from './ops.js';
import type { LossDefinition } from './types.js';

/**
 * `cone` plus mean_weight × the (unclipped) ETF cross-entropy of each class's batch-mean direction:
 * the class mean is pulled onto its axis while single features are only bounded by the cone.
 *
 * Class means are formed from the normalised features with the one-hot mask (targetsᵀ·u), and only
 * their direction matters, so the sums are normalised directly. Classes absent from the batch get
 * zero weight and drop out of the average.
 */
export const coneMean: LossDefinition = {
  name: 'cone-mean',
  description: "cone loss plus cross-entropy on each class's batch-mean direction: means on the axis, spread bounded",
  params: ['scale', 'theta', 'mean_weight'],
  fixedEtf: true,
  create: (p, ctx) => {
    const K = ctx.numClasses;
    const bounds = coneBounds(p.theta, K);
    return fixedEtfLoss('cone-mean', ctx, p.scale, ({ unit, cos, targets, directions }) => {
      const coneLoss = crossEntropy(coneLogits(cos, targets, p.scale, bounds), targets);
      const meanDirections = normalizeRows(tf.matMul(targets, unit, true, false));
      const meanLogits = tf.mul<tf.Tensor2D>(tf.matMul(meanDirections, directions, false, true), p.scale);
      const present = tf.cast(tf.greater(tf.sum(targets, 0), 0), 'float32') as tf.Tensor1D;
      const meanLoss = crossEntropy(meanLogits, tf.eye(K) as tf.Tensor2D, { rowWeights: present });
      return tf.add<tf.Scalar>(coneLoss, tf.mul(meanLoss, p.mean_weight));
    });
  },
};
