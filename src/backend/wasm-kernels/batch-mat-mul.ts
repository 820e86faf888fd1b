import * as tf from '@tensorflow/tfjs';
import { stockKernel, wasmKernel } from './wasm-ops.js';

/** Moves the last two axes of a rank ≥ 2 shape's permutation: [..., m, k] → [..., k, m]. */
function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * The stock kernel reaches XNNPACK only for untransposed operands with a single batch; otherwise it
 * runs a scalar loop (~11× slower). When b has one batch, transpose explicitly (a cheap memory pass)
 * and fold a's batch into its rows, so every dense-layer gradient takes the fast path. Batched b
 * (rare in this project) stays on the stock kernel.
 */
function batchMatMul(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const aBatch = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const bBatch = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const foldable = a.dtype === 'float32' && b.dtype === 'float32' && bBatch === 1;
  const stockIsFast = !transposeA && !transposeB && aBatch === 1;
  if (!foldable || stockIsFast) return stockKernel(tf.BatchMatMul).kernelFunc(args) as tf.TensorInfo;
  const outBatchDims = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return wasmKernel(backend, (ops) => {
    const aRows = transposeA ? ops.transpose(a, swapLastTwo(a.shape.length)) : a;
    const bRows = transposeB ? ops.transpose(b, swapLastTwo(b.shape.length)) : b;
    const [m, k] = aRows.shape.slice(-2);
    const n = bRows.shape[bRows.shape.length - 1];
    const product = ops.matMul(ops.reshape(aRows, [aBatch * m, k]), ops.reshape(bRows, [k, n]));
    return ops.reshape(product, [...outBatchDims, m, n]);
  });
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul,
};
