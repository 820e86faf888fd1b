import * as tf from '@tensorflow/tfjs';
import { stockKernel, wasmKernel, type WasmOps } from './wasm-ops.js';

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

/**
 * A wasm reduction kernel (Sum, Mean) that handles float32 reductions over the leading axes with
 * the fast column sum and `finish`es it (a mean divides by the count); any other reduction runs
 * the stock kernel.
 */
export function leadingAxesKernel(
  kernelName: typeof tf.Sum | typeof tf.Mean,
  finish: (ops: WasmOps, columnSum: tf.TensorInfo, count: number) => tf.TensorInfo,
): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const outShape = x.dtype === 'float32' ? leadingAxesReduction(x.shape, axis, keepDims) : null;
    if (outShape === null) return stockKernel(kernelName).kernelFunc(args) as tf.TensorInfo;
    const outSize = tf.util.sizeFromShape(outShape);
    const count = tf.util.sizeFromShape(x.shape) / outSize;
    return wasmKernel(backend, (ops) => ops.reshape(finish(ops, ops.columnSum(x, outSize), count), outShape));
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}
