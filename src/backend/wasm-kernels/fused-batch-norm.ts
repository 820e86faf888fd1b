import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor } from '../simd/index.js';
import { wasmKernel, type WasmOps } from './wasm-ops.js';

/**
 * Batch normalisation, y = x·k + (β − μ·k) with k = γ/√(σ² + ε). The per-channel k and shift come
 * from a few kernels on vectors; the full-size pass is the project's SIMD kernel (one pass) when it
 * is loaded and the statistics are per channel of the innermost axis, else two broadcasting XNNPACK
 * kernels (`Multiply`, `Add`). The stock kernel is a scalar C++ loop: 12.2 ms for 128×28×28×32
 * where the XNNPACK pair takes 3.8 (2 threads).
 */
function fusedBatchNorm({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
  return wasmKernel(backend, (ops) => {
    const inv = ops.run('Rsqrt', { x: ops.run('Add', { a: variance!, b: ops.constant([varianceEpsilon], []) }) });
    const k = scale === undefined ? inv : ops.run('Multiply', { a: inv, b: scale });
    const minusShift = ops.run('Multiply', { a: mean!, b: k });
    const shift =
      offset === undefined ? ops.run('Neg', { x: minusShift }) : ops.run('Sub', { a: offset, b: minusShift });
    const channels = x!.shape.at(-1) ?? 1;
    const simd = simdKernelsFor(backend);
    if (simd !== null && x!.dtype === 'float32' && perChannel(k, channels) && perChannel(shift, channels)) {
      const y = ops.empty(x!.shape);
      const rows = tf.util.sizeFromShape(x!.shape) / channels;
      simd.run(
        'batchNormForward',
        [ops.address(x!), ops.address(k), ops.address(shift), ops.address(y), rows, channels],
        Math.ceil(channels / 4),
      );
      return y;
    }
    return xnnpackScaleShift(ops, x!, k, shift);
  });
}

/** One float32 value per channel of the innermost axis (what batch-norm layers pass). */
export function perChannel(t: tf.TensorInfo, channels: number): boolean {
  return (
    t.dtype === 'float32' && channels > 0 && tf.util.sizeFromShape(t.shape) === channels && t.shape.at(-1) === channels
  );
}

function xnnpackScaleShift(ops: WasmOps, x: tf.TensorInfo, k: tf.TensorInfo, shift: tf.TensorInfo): tf.TensorInfo {
  return ops.run('Add', { a: ops.run('Multiply', { a: x, b: k }), b: shift });
}

export const fusedBatchNormConfig: tf.KernelConfig = {
  kernelName: tf.FusedBatchNorm,
  backendName: 'wasm',
  kernelFunc: fusedBatchNorm,
};

/**
 * The project's kernel for the full-size part of the batch-norm gradient, registered for wasm only
 * and called by that gradient only while the SIMD kernels are loaded: inputs x, dy (float32,
 * channels innermost), mean and k = γ/√(σ²+ε) (one value per channel); outputs dx = dy·k,
 * Σ dy and Σ dy·(x − μ) over all but the channel axis, in one pass over x and dy.
 */
export const BATCH_NORM_GRAD = 'ConeBatchNormGrad';

function batchNormGrad({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const { x, dy, mean, k } = inputs as Record<string, tf.TensorInfo>;
  const simd = simdKernelsFor(backend);
  if (simd === null) throw new Error(`${BATCH_NORM_GRAD} needs the project SIMD kernels`);
  const channels = x.shape.at(-1) ?? 1;
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  const outputs: tf.TensorInfo[] = [];
  wasmKernel(backend, (ops) => {
    const dx = ops.empty(x.shape);
    const sumDy = ops.empty([channels]);
    const sumDyCentred = ops.empty([channels]);
    const addresses = [x, dy, mean, k, dx, sumDy, sumDyCentred].map((t) => ops.address(t));
    simd.run('batchNormBackward', [...addresses, rows, channels], Math.ceil(channels / 4));
    // wasmKernel keeps one result; the other two are handed out by taking them off its list.
    outputs.push(dx, ops.keep(sumDy), ops.keep(sumDyCentred));
    return dx;
  });
  return outputs;
}

export const batchNormGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormGrad as unknown as tf.KernelFunc,
};
