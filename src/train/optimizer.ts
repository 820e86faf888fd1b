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

/**
 * MomentumOptimizer.dispose() in tfjs 4.22 forgets the learning-rate scalar its SGD base keeps,
 * which would leak one tensor per run.
 */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  if (opt instanceof tf.MomentumOptimizer) {
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}
