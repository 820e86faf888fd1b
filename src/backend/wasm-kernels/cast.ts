import * as tf from '@tensorflow/tfjs';
import { shareData } from './identity.js';
import { stockKernel } from './wasm-ops.js';

/** A cast to the tensor's own dtype is an identity; the stock kernel copies anyway. */
function cast(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  if (dtype === x.dtype) return shareData(args.backend, x);
  return stockKernel(tf.Cast).kernelFunc(args) as tf.TensorInfo;
}

export const castConfig: tf.KernelConfig = { kernelName: tf.Cast, backendName: 'wasm', kernelFunc: cast };
