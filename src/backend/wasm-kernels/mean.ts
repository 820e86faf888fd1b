import * as tf from '@tensorflow/tfjs';
import { leadingAxesReduction } from './leading-axes.js';
import { stockKernel, wasmKernel } from './wasm-ops.js';

/** Mean over the leading axes (batch-norm moments): the fast column sum, divided by the count. */
function mean(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.MeanAttrs;
  const outShape = x.dtype === 'float32' ? leadingAxesReduction(x.shape, axis, keepDims) : null;
  if (outShape === null) return stockKernel(tf.Mean).kernelFunc(args) as tf.TensorInfo;
  const count = tf.util.sizeFromShape(x.shape) / tf.util.sizeFromShape(outShape);
  return wasmKernel(backend, (ops) => {
    const total = ops.columnSum(x, tf.util.sizeFromShape(outShape));
    return ops.reshape(ops.run('RealDiv', { a: total, b: ops.fill([], count) }), outShape);
  });
}

export const meanConfig: tf.KernelConfig = { kernelName: tf.Mean, backendName: 'wasm', kernelFunc: mean };
