import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backends.js';
import { errorOnCurrentWasm, randomValues, relativeError, runOn, simdOpsOf } from './compare.js';

const BATCH = 8;
const IMAGE = [10, 10, 2];
const CLASSES = 3;

/**
 * A small conv + batch-norm + max-pool + conv + dense network with seeded weights, identical on every
 * backend. With `channels` 16 the middle 3×3 convolution (16 → 16, stride 1, bias, ReLU) takes the
 * project's Winograd kernel on wasm; with 4 every convolution is XNNPACK's.
 */
function buildModel(channels: number): tf.LayersModel {
  let seed = 10;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const input = tf.input({ shape: IMAGE });
  let x = tf.layers
    .conv2d({ filters: channels, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init() })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: channels, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: CLASSES, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

/** Losses of five SGD-momentum steps, the first step's gradients and the final weights. */
const train = (channels: number) => (): tf.Tensor[] => {
  const model = buildModel(channels);
  const images = tf.tensor4d(randomValues(1, [BATCH, ...IMAGE]), [BATCH, ...IMAGE] as [number, number, number, number]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1], 'int32'), CLASSES);
  const loss = () =>
    tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar;
  const { grads } = tf.variableGrads(loss);
  const optimizer = tf.train.momentum(0.02, 0.9);
  const losses = [0, 1, 2, 3, 4].map(() => optimizer.minimize(loss, true) as tf.Scalar);
  const weights = model.getWeights().map((w) => w.clone());
  const outputs = [tf.stack(losses), ...Object.values(grads), ...weights];
  optimizer.dispose();
  // tfjs 4.22: MomentumOptimizer.dispose() skips SGDOptimizer's kept learning-rate scalar.
  (optimizer as unknown as { c: tf.Tensor }).c.dispose();
  model.dispose();
  return outputs;
};

describe('a full training step on wasm matches the cpu backend', () => {
  it('same losses, gradients and updated weights, without leaking tensors', async () => {
    const cpu = await runOn('cpu', train(4));
    const wasm = await runOn('wasm', train(4));
    expect(wasm.shapes).toEqual(cpu.shapes);
    const errors = cpu.values.map((values, i) => relativeError(values, wasm.values[i]));
    expect(Math.max(...errors)).toBeLessThan(1e-4);
    // The losses move: the comparison covers real updates, not identical steps.
    expect(cpu.values[0][4]).toBeLessThan(cpu.values[0][0]);
  });

  // The kernel tests compare one Winograd convolution; this one trains through it (forward, the
  // gradients of its fused bias and ReLU, the updates), so an error that compounds over steps shows.
  it('also where a convolution takes the Winograd kernel', async () => {
    const cpu = await runOn('cpu', train(16));
    await useBackend('wasm');
    expect(simdOpsOf(train(16))).toContain('winogradConv2d');
    expect(errorOnCurrentWasm(cpu.values, train(16))).toBeLessThan(1e-4);
    expect(cpu.values[0][4]).toBeLessThan(cpu.values[0][0]);
  });
});
