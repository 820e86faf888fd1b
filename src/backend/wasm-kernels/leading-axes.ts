import * as tf from '@tensorflow/tfjs';

/**
 * For a reduction of `shape` over `axis`: the output shape when the reduced axes are exactly the
 * leading ones (e.g. [0, 1, 2] of NHWC, as in batch-norm and bias gradients), so the input is an
 * [R, C] matrix reduced over its rows. Null for any other pattern (the stock kernel handles those
 * without a transpose when the axes are innermost).
 */
export function leadingAxesReduction(shape: number[], axis: number | number[], keepDims: boolean): number[] | null {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.every((a, i) => a === i);
  if (!leading || axes.length === shape.length || tf.util.sizeFromShape(shape) === 0) return null;
  const kept = shape.slice(axes.length);
  return keepDims ? [...axes.map(() => 1), ...kept] : kept;
}
