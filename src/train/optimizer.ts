import * as tf from '@tensorflow/tfjs';
import type { Spec } from '../spec/schema.js';

/**
 * tfjs's own optimizers (their slot state round-trips through getWeights/setWeights, which is
 * what checkpoints need). Slots are matched to variables by position, so gradients must always be
 * passed in the same order.
 */
export function createOptimizer(cfg: Spec['optimizer']): tf.Optimizer {
  return cfg.name === 'adam' ? tf.train.adam(cfg.lr, cfg.beta1, cfg.beta2) : tf.train.momentum(cfg.lr, cfg.momentum);
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof tf.SGDOptimizer) opt.setLearningRate(lr);
  // AdamOptimizer reads its (protected) learningRate field on every step and has no setter.
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}
