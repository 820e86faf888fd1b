import * as tf from '@tensorflow/tfjs';
import { leadingAxesKernel } from './leading-axes.js';

/**
 * Sum over the leading axes (batch-norm statistics and gradients, bias gradients) as a tree of
 * XNNPACK adds; the stock kernel first transposes the reduced axes innermost, ~10× slower.
 */
export const sumConfig: tf.KernelConfig = leadingAxesKernel(tf.Sum, (_ops, total) => total);
