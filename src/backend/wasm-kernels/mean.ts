import * as tf from '@tensorflow/tfjs';
import { leadingAxesKernel } from './leading-axes.js';

/** Mean over the leading axes (batch-norm moments): the fast column sum, divided by the count. */
export const meanConfig: tf.KernelConfig = leadingAxesKernel(tf.Mean, (ops, total, count) =>
  ops.run('RealDiv', { a: total, b: ops.fill([], count) }),
);
