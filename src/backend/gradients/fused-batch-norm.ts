import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor } from '../simd/index.js';
import { BATCH_NORM_GRAD, perChannel } from '../wasm-kernels/fused-batch-norm.js';

/**
 * The gradient of batch normalisation, y = (x − μ)·γ/√(σ² + ε) + β, with the same partial
 * derivatives as tfjs's own but three full-size passes instead of ten. tfjs's version multiplies
 * full-size tensors where a per-channel factor can be taken out of a sum (∂μ = −γ/√(σ²+ε)·Σdy),
 * tiles the per-channel scale to the whole tensor before multiplying, and computes x − μ twice.
 * Here, with k = γ/√(σ²+ε) and S = Σ dy·(x − μ) over the reduced axes:
 *   ∂x = dy·k,  ∂β = Σdy,  ∂γ = S/√(σ²+ε),  ∂μ = −k·Σdy,  ∂σ² = −½·γ·(σ²+ε)^(−3/2)·S.
 * In training the layer's μ and σ² are moments of x, so ∂μ and ∂σ² flow on into x through them.
 * On wasm with the project's SIMD kernels, dy·k, Σdy and Σdy·(x − μ) are one pass (BATCH_NORM_GRAD).
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const dyT = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved;
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const inv = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const gamma = scale ?? tf.scalar(1);
    const k = tf.mul(inv, gamma);
    // Shared by several partials; computed here, as tfjs's version computes x − μ here, so that the
    // closures (each run in its own tidy) do not dispose what another one needs.
    const fused = fusedPass(x, dyT, mean, k);
    const sumDy = fused === null ? reduce(dyT) : tf.reshape(fused[1], mean.shape);
    const sumDyCentred = fused === null ? reduce(tf.mul(dyT, tf.sub(x, mean))) : tf.reshape(fused[2], mean.shape);
    return {
      x: () => (fused === null ? tf.mul(dyT, k) : tf.clone(fused[0])),
      mean: () => tf.neg(tf.mul(k, sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(tf.mul(inv, inv), inv), tf.mul(gamma, -0.5)), sumDyCentred),
      scale: () => tf.mul(inv, sumDyCentred),
      offset: () => tf.clone(sumDy),
    };
  },
};

/** [dy·k, Σdy, Σdy·(x − μ)] from the SIMD kernel, or null where it does not apply. */
function fusedPass(x: tf.Tensor, dy: tf.Tensor, mean: tf.Tensor, k: tf.Tensor): tf.Tensor[] | null {
  const channels = x.shape.at(-1) ?? 1;
  const applies =
    tf.getBackend() === 'wasm' &&
    simdKernelsFor(tf.backend()) !== null &&
    x.dtype === 'float32' &&
    dy.dtype === 'float32' &&
    perChannel(mean, channels) &&
    perChannel(k, channels);
  return applies ? (tf.engine().runKernel(BATCH_NORM_GRAD, { x, dy, mean, k }) as unknown as tf.Tensor[]) : null;
}
