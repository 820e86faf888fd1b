import * as tf from '@tensorflow/tfjs';

/**
 * The gradient of batch normalisation, y = (x − μ)·γ/√(σ² + ε) + β, with the same partial
 * derivatives as tfjs's own but three full-size passes instead of ten. tfjs's version multiplies
 * full-size tensors where a per-channel factor can be taken out of a sum (∂μ = −γ/√(σ²+ε)·Σdy),
 * tiles the per-channel scale to the whole tensor before multiplying, and computes x − μ twice.
 * Here, with k = γ/√(σ²+ε) and S = Σ dy·(x − μ) over the reduced axes:
 *   ∂x = dy·k,  ∂β = Σdy,  ∂γ = S/√(σ²+ε),  ∂μ = −k·Σdy,  ∂σ² = −½·γ·(σ²+ε)^(−3/2)·S.
 * In training the layer's μ and σ² are moments of x, so ∂μ and ∂σ² flow on into x through them.
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
    const sumDy = reduce(dyT);
    const sumDyCentred = reduce(tf.mul(dyT, tf.sub(x, mean)));
    return {
      x: () => tf.mul(dyT, k),
      mean: () => tf.neg(tf.mul(k, sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(tf.mul(inv, inv), inv), tf.mul(gamma, -0.5)), sumDyCentred),
      scale: () => tf.mul(inv, sumDyCentred),
      offset: () => tf.clone(sumDy),
    };
  },
};
