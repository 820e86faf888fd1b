import * as tf from '@tensorflow/tfjs';
import { wasmKernel } from './wasm-ops.js';

/**
 * Segment sums as a matrix product, out[s] = Σ_i [ids_i = s] · x[i]: the transposed one-hot matrix
 * of the ids times x as rows, on XNNPACK. tfjs 4.22 has no wasm kernel for it, so gather (whose
 * gradient this is) could not be trained through. Ids outside [0, numSegments) add nowhere, as on
 * the cpu backend. int32 data goes through float32, exact below 2^24.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = tf.util.sizeFromShape(innerShape);
  return wasmKernel(backend, (ops) => {
    const ids = ops.reshape(segmentIds, [rows]);
    // The stock OneHot writes int32 whatever dtype it is given.
    const oneHotInt = ops.run(
      'OneHot',
      { indices: ids },
      { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' },
    );
    const oneHot = ops.run('Cast', { x: oneHotInt }, { dtype: 'float32' });
    const values = x.dtype === 'float32' ? x : ops.run('Cast', { x }, { dtype: 'float32' });
    const sums = ops.matMul(ops.transpose(oneHot, [1, 0]), ops.reshape(values, [rows, inner]));
    const shaped = ops.reshape(sums, [numSegments, ...innerShape]);
    return x.dtype === 'float32' ? shaped : ops.run('Cast', { x: shaped }, { dtype: x.dtype });
  });
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
