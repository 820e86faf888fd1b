import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { eachBackend } from '../helpers/backends.js';
import { expectNoTensorLeaks } from '../helpers/tensors.js';

/** Largest |a − b| relative to the largest |b|, over several tensors. */
function relativeError(a: tf.Tensor[], b: tf.Tensor[]): number {
  return tf.tidy(() => {
    let diff = 0;
    let scale = 0;
    a.forEach((t, i) => {
      diff = Math.max(diff, tf.max(tf.abs(tf.sub(t, b[i]))).dataSync()[0]);
      scale = Math.max(scale, tf.max(tf.abs(b[i])).dataSync()[0]);
    });
    return diff / scale;
  });
}

const EPS = 1e-3;
const random = (shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor =>
  tf.randomUniform(shape, lo, hi, 'float32', seed);

/** Batch normalisation from elementary ops, whose gradients tfjs derives op by op: the reference. */
function batchNormByHand(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  beta: tf.Tensor,
  gamma: tf.Tensor,
): tf.Tensor {
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS))), gamma), beta);
}

eachBackend(() => {
  expectNoTensorLeaks();

  it('batch-norm gradient (x, mean, variance, scale, offset) equals that of the same formula in elementary ops', () => {
    const [x, weights, mean, variance, beta, gamma] = [
      random([3, 4, 5, 6], 1),
      random([3, 4, 5, 6], 2),
      random([6], 3),
      random([6], 4, 0.2, 2),
      random([6], 5),
      random([6], 6, 0.5, 1.5),
    ];
    const loss =
      (f: typeof batchNormByHand) =>
      (...args: tf.Tensor[]) =>
        tf.sum(tf.mul(f(args[0], args[1], args[2], args[3], args[4]), weights));
    const fused = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, b: tf.Tensor, g: tf.Tensor) =>
      tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, EPS);
    const got = tf.grads(loss(fused))([x, mean, variance, beta, gamma]);
    const expected = tf.grads(loss(batchNormByHand))([x, mean, variance, beta, gamma]);
    expect(relativeError(got, expected)).toBeLessThan(1e-5);
    tf.dispose([...got, ...expected, x, weights, mean, variance, beta, gamma]);
  });

  it('a training-mode batch-norm layer (moments of the batch) has the reference gradient, also on a flattened input', () => {
    for (const shape of [
      [4, 5, 5, 3],
      [6, 7],
      [3, 6, 6, 12],
    ]) {
      const axes = shape.slice(0, -1).map((_, i) => i);
      const c = shape.at(-1)!;
      const x = random(shape, 7);
      const weights = random(shape, 8);
      const [beta, gamma] = [random([c], 9), random([c], 10, 0.5, 1.5)];
      const layer = tf.layers.batchNormalization({ epsilon: EPS });
      layer.build([null, ...shape.slice(1)]);
      const movingStats = [tf.zeros([c]), tf.ones([c])];
      layer.setWeights([gamma, beta, ...movingStats]);
      tf.dispose(movingStats);
      const viaLayer = (a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, weights));
      const byHand = (a: tf.Tensor) =>
        tf.tidy(() => {
          const { mean, variance } = tf.moments(a, axes);
          return tf.sum(tf.mul(batchNormByHand(a, mean, variance, beta, gamma), weights));
        });
      const got = tf.grad(viaLayer)(x);
      const expected = tf.grad(byHand)(x);
      expect(relativeError([got], [expected])).toBeLessThan(1e-4);
      tf.dispose([got, expected, x, weights, beta, gamma]);
      // Applied to tensors only, the layer was never 'used' in a model; free its variables directly.
      layer.weights.forEach((w) => w.dispose());
    }
  });

  it("mean's gradient equals that of sum / n, value for value", () => {
    const x = random([3, 4, 5], 11);
    for (const axis of [undefined, 0, [0, 2], -1]) {
      const n = axis === undefined ? 60 : [axis].flat().reduce((k: number, a) => k * x.shape.at(a as number)!, 1);
      const weights = tf.tidy(() => random(tf.mean(x, axis).shape, 12));
      const got = tf.grad((a) => tf.sum(tf.mul(tf.mean(a, axis), weights)))(x);
      const expected = tf.grad((a) => tf.sum(tf.mul(tf.div(tf.sum(a, axis), n), weights)))(x);
      expect(got.shape).toEqual(x.shape);
      expect(relativeError([got], [expected])).toBeLessThan(1e-7);
      tf.dispose([got, expected, weights]);
    }
    x.dispose();
  });
});

it('initBackend puts the project gradients in place of tfjs own', async () => {
  const { PROJECT_GRADIENTS } = await import('../../src/backend/gradients/index.js');
  for (const config of PROJECT_GRADIENTS) expect(tf.getGradient(config.kernelName)).toBe(config);
});
