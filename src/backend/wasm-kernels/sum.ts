import * as tf from '@tensorflow/tfjs';
import { leadingAxesReduction } from './leading-axes.js';
import { stockKernel, wasmKernel } from './wasm-ops.js';

/**
 * Sum over the leading axes (batch-norm statistics and gradients, bias gradients) as a tree of
 * XNNPACK adds; the stock kernel first transposes the reduced axes innermost, ~10× slower.
 */
function sum(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const outShape = x.dtype === 'float32' ? leadingAxesReduction(x.shape, axis, keepDims) : null;
  if (outShape === null) return stockKernel(tf.Sum).kernelFunc(args) as tf.TensorInfo;
  return wasmKernel(backend, (ops) => ops.reshape(ops.columnSum(x, tf.util.sizeFromShape(outShape)), outShape));
}

export const sumConfig: tf.KernelConfig = { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: sum };
