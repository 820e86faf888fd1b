import * as tf from '@tensorflow/tfjs';
import type { Spec } from '../config/schema.js';

/**
 * tfjs's own optimizers (their slot state round-trips through getWeights/setWeights, which is
 * what checkpoints need). Slots are matched to variables by position, so gradients must always be
 * passed in the same order.
 */
export function createOptimizer(cfg: Spec['optimizer']): tf.Optimizer {
  return cfg.name === 'adam' ? tf.train.adam(cfg.lr, cfg.beta1, cfg.beta2) : tf.train.momentum(cfg.lr, cfg.momentum);
}

/*
 * tfjs optimizers answer `instanceof` for every optimizer class (Optimizer defines Symbol.hasInstance
 * by duck typing), so the kind is told apart by its registered class name.
 */
function isSgd(opt: tf.Optimizer): opt is tf.SGDOptimizer {
  return opt.getClassName() === 'SGD' || opt.getClassName() === 'Momentum';
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (isSgd(opt)) opt.setLearningRate(lr);
  // AdamOptimizer reads its (protected) learningRate field on every step and has no setter.
  else (opt as unknown as { learningRate: number }).learningRate = lr;
}

/**
 * MomentumOptimizer.dispose() in tfjs 4.22 forgets the learning-rate scalar its SGD base keeps,
 * which would leak one tensor per run.
 */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  if (opt.getClassName() === 'Momentum') {
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}
