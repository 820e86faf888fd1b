import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { linearHeadLoss } from './linear-head-loss.js';
import { crossEntropy } from './ops.js';
import type { LossDefinition } from './types.js';

/**
 * Logit-adjusted cross-entropy for long-tailed data (Menon et al., 2021): training logits are
 * W·h + b + τ·log π with π the training class prior; prediction uses the plain logits.
 */
export const laCe: LossDefinition = {
  name: 'la-ce',
  description: 'logit-adjusted cross-entropy (long tail): learnable head, + τ·log(class prior) on training logits only',
  params: ['tau'],
  create: (p, ctx) => {
    const adjustment = logPriorTimes(p.tau, ctx.classPrior, ctx.numClasses);
    return linearHeadLoss('la-ce', ctx, (logits, targets) =>
      crossEntropy(tf.add(logits, tf.tensor1d(adjustment)), targets),
    );
  },
};

function logPriorTimes(tau: number, prior: Float32Array | undefined, K: number): Float32Array {
  if (prior === undefined) {
    throw new UsageError(
      'method.name: la-ce needs the class prior of the training labels, which this command does not supply',
    );
  }
  if (prior.length !== K) {
    throw new UsageError(`method.name: la-ce got a class prior of length ${prior.length} for ${K} classes`);
  }
  const bad = prior.findIndex((x) => !(Number.isFinite(x) && x > 0));
  if (bad >= 0) {
    throw new UsageError(
      `method.name: la-ce needs every class in the training labels, but class ${bad} has prior ${prior[bad]}`,
    );
  }
  const total = prior.reduce((a, b) => a + b, 0);
  return prior.map((x) => tau * Math.log(x / total));
}
