import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileInferenceNetwork } from '../../src/model/inference-network.js';
import { buildNetwork, type NetworkConfig } from '../../src/model/networks/index.js';
import { createLoss, methodNames } from '../../src/train/losses/index.js';
import { useBackend } from '../helpers/backends.js';
import { missingWebgpu } from '../helpers/webgpu.js';
import { randomValues, versusCpu } from './compare.js';

/**
 * The webgpu backend against the cpu backend on seeded inputs, on SwiftShader in CI. One file, so
 * one process compiles each shader once (SwiftShader takes seconds per shader); shapes are the
 * smallest that take each kernel's code path.
 */

/** float32 on a GPU sums in another order than the cpu backend: normwise relative error. */
const TOLERANCE = 1e-4;

const tensor = (seed: number, shape: number[]) => tf.tensor(randomValues(seed, shape), shape);

// Shader compilation on SwiftShader makes a first call take many seconds, more on a loaded machine.
describe.skipIf(missingWebgpu())('webgpu matches the cpu backend', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
  });

  describe('kernels and their gradients', () => {
    it.each([
      { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
      { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
      { a: [2, 5, 7], b: [7, 3], transposeA: false, transposeB: false },
    ])('BatchMatMul a $a (T: $transposeA) · b $b (T: $transposeB)', async ({ a, b, transposeA, transposeB }) => {
      const error = await versusCpu('webgpu', () => tf.matMul(tensor(1, a), tensor(2, b), transposeA, transposeB));
      expect(error).toBeLessThan(TOLERANCE);
    });

    it.each([
      { stride: 1, pad: 'same' as const, filters: 4 },
      { stride: 2, pad: 'same' as const, filters: 3 },
      { stride: 1, pad: 'valid' as const, filters: 3 },
    ])(
      'Conv2D and both backprops (Conv2DBackpropInput/Filter), stride $stride, pad $pad',
      async ({ stride, pad, filters }) => {
        const error = await versusCpu('webgpu', () => {
          const x = tensor(1, [2, 7, 7, 3]) as tf.Tensor4D;
          const w = tensor(2, [3, 3, 3, filters]) as tf.Tensor4D;
          const weights = tensor(3, tf.conv2d(x, w, stride, pad).shape);
          const f = (a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), weights));
          return [tf.conv2d(x, w, stride, pad), ...tf.grads(f)([x, w])];
        });
        expect(error).toBeLessThan(TOLERANCE);
      },
    );

    it('FusedConv2D with bias and ReLU, and its gradients', async () => {
      const error = await versusCpu('webgpu', () => {
        const x = tensor(1, [2, 6, 6, 3]) as tf.Tensor4D;
        const w = tensor(2, [3, 3, 3, 4]) as tf.Tensor4D;
        const bias = tensor(3, [4]) as tf.Tensor1D;
        const conv = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: b as tf.Tensor4D,
            strides: 1,
            pad: 'same',
            bias: c,
            activation: 'relu',
          });
        const weights = tensor(4, [2, 6, 6, 4]);
        return [conv(x, w, bias), ...tf.grads((a, b, c) => tf.sum(tf.mul(conv(a, b, c), weights)))([x, w, bias])];
      });
      expect(error).toBeLessThan(TOLERANCE);
    });

    it('MaxPool and MaxPoolGrad, AvgPool and its gradient', async () => {
      const error = await versusCpu('webgpu', () => {
        // Distinct values: with ties in a window, which maximum takes the gradient is the backend's choice.
        const x = tensor(1, [2, 8, 8, 2]) as tf.Tensor4D;
        const weights = tensor(2, [2, 4, 4, 2]);
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid');
        const avg = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid');
        return [
          pool(x),
          tf.grad((a) => tf.sum(tf.mul(pool(a), weights)))(x),
          avg(x),
          tf.grad((a) => tf.sum(tf.mul(avg(a), weights)))(x),
        ];
      });
      expect(error).toBeLessThan(TOLERANCE);
    });

    it("FusedBatchNorm and the project's batch-norm and mean gradients (src/backend/gradients)", async () => {
      const error = await versusCpu('webgpu', () => {
        const x = tensor(1, [3, 4, 4, 5]) as tf.Tensor4D;
        const weights = tensor(2, [3, 4, 4, 5]);
        const norm = (a: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.batchNorm(a, mean, variance, offset as tf.Tensor1D, scale as tf.Tensor1D, 1e-3);
        };
        const grads = tf.grads((a, s, o) => tf.sum(tf.mul(norm(a, s, o), weights)))([
          x,
          tensor(3, [5]),
          tensor(4, [5]),
        ]);
        return [
          norm(x, tensor(3, [5]), tensor(4, [5])),
          ...grads,
          tf.grad((a) => tf.mean(tf.square(a), [1, 2]).sum())(x),
        ];
      });
      expect(error).toBeLessThan(TOLERANCE);
    });

    it('UnsortedSegmentSum, the gradient of a gather', async () => {
      const error = await versusCpu('webgpu', () => {
        const indices = tf.tensor1d([0, 2, 2, 1, 0, 3], 'int32');
        const weights = tensor(2, [6, 3]);
        return [
          tf.unsortedSegmentSum(tensor(1, [6, 3]), indices, 4),
          tf.grad((a) => tf.sum(tf.mul(tf.gather(a, indices), weights)))(tensor(3, [4, 3])),
        ];
      });
      expect(error).toBeLessThan(TOLERANCE);
    });
  });

  describe('every loss: value and gradients (features and head)', () => {
    const K = 4;
    const d = 6;
    it.each(methodNames())('%s', async (name) => {
      const error = await versusCpu('webgpu', () => {
        const loss = createLoss(
          { name },
          { numClasses: K, featureDim: d, seed: 5, classPrior: Float32Array.from([4, 3, 2, 1]) },
        );
        const features = tensor(1, [8, d]) as tf.Tensor2D;
        const labels = tf.tensor1d([0, 1, 2, 3, 3, 2, 1, 0], 'int32');
        // The fixed-ETF losses have no head variables.
        const head = loss.headVariables.length
          ? Object.values(tf.variableGrads(() => loss.loss(features, labels), loss.headVariables).grads)
          : [];
        const featureGrad = tf.grad((f) => loss.loss(f as tf.Tensor2D, labels))(features);
        const out = [loss.loss(features, labels), featureGrad, loss.logits(features), ...head];
        loss.dispose();
        return out;
      });
      expect(error).toBeLessThan(TOLERANCE);
    });
  });

  /**
   * Each network, narrow and on small inputs: three SGD steps with momentum and the cone loss in
   * training mode (batch statistics), then the folded inference network that extract runs.
   */
  describe('a short training run of each network, then inference', () => {
    const NETWORKS: { cfg: NetworkConfig; inputShape: number[] }[] = [
      { cfg: { name: 'mlp', feature_dim: 6, hidden: [12, 10] }, inputShape: [20] },
      { cfg: { name: 'cnn28', feature_dim: 6, width: 0.25 }, inputShape: [12, 12, 1] },
      { cfg: { name: 'resnet8', feature_dim: 6, width: 0.25 }, inputShape: [8, 8, 3] },
      { cfg: { name: 'resnet20', feature_dim: 6, width: 0.25 }, inputShape: [8, 8, 3] },
    ];
    const BATCH = 6;
    // Between phases the event loop turns: SwiftShader compiles each new shader synchronously, and a
    // worker blocked for a minute misses vitest's replies ("Timeout calling onTaskUpdate").
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    const train = (cfg: NetworkConfig, inputShape: number[]) => async (): Promise<tf.Tensor[]> => {
      const model = buildNetwork(cfg, inputShape, 3);
      const loss = createLoss({ name: 'cone' }, { numClasses: 3, featureDim: 6, seed: 1 });
      const x = tensor(1, [BATCH, ...inputShape]);
      const labels = tf.tensor1d([0, 1, 2, 1, 0, 2], 'int32');
      const objective = () => loss.loss(model.apply(x, { training: true }) as tf.Tensor2D, labels);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      tf.dispose(tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor));
      await turn();
      const { grads } = tf.variableGrads(objective, vars);
      await turn();
      const optimizer = tf.train.momentum(0.05, 0.9);
      const losses: tf.Scalar[] = [];
      for (let i = 0; i < 3; i++) {
        losses.push(optimizer.minimize(objective, true, vars) as tf.Scalar);
        await turn();
      }
      const network = compileInferenceNetwork(model);
      const features = network.apply(x);
      // The gradient as one vector, so its error is normwise over all of it: a conv bias before a
      // batch-norm has a true gradient of 0, and alone it would measure rounding against rounding.
      const gradient = tf.concat(Object.values(grads).map((g) => g.flatten()));
      const out = [tf.stack(losses), gradient, ...model.getWeights().map((w) => w.clone()), features];
      network.dispose();
      optimizer.dispose();
      // tfjs 4.22: MomentumOptimizer.dispose() skips SGDOptimizer's kept learning-rate scalar.
      (optimizer as unknown as { c: tf.Tensor }).c.dispose();
      loss.dispose();
      model.dispose();
      return out;
    };
    it.each(NETWORKS)('$cfg.name', async ({ cfg, inputShape }) => {
      expect(await versusCpu('webgpu', train(cfg, inputShape))).toBeLessThan(TOLERANCE);
    });
  });

  it('leaves no tensor or GPU buffer behind over many training steps (tf.memory() level)', async () => {
    const model = buildNetwork({ name: 'mlp', feature_dim: 6, hidden: [12] }, [20], 3);
    const loss = createLoss({ name: 'cone' }, { numClasses: 3, featureDim: 6, seed: 1 });
    const optimizer = tf.train.momentum(0.05, 0.9);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tensor(1, [6, 20]);
    const labels = tf.tensor1d([0, 1, 2, 1, 0, 2], 'int32');
    // As the trainer: a step, then its loss read back asynchronously.
    const step = async () => {
      const cost = optimizer.minimize(
        () => loss.loss(model.apply(x, { training: true }) as tf.Tensor2D, labels),
        true,
        vars,
      )!;
      await cost.data();
      cost.dispose();
    };
    type GpuMemory = tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number };
    const usage = () => {
      const m = tf.memory() as GpuMemory;
      return { tensors: m.numTensors, inUse: m.numBytesInGPU, allocated: m.numBytesAllocatedInGPU };
    };
    // The first steps make the optimizer's slots and fill the buffer pool.
    for (let i = 0; i < 3; i++) await step();
    const before = usage();
    for (let i = 0; i < 30; i++) await step();
    expect(usage()).toEqual(before);
    optimizer.dispose();
    (optimizer as unknown as { c: tf.Tensor }).c.dispose();
    tf.dispose([x, labels]);
    loss.dispose();
    model.dispose();
  });
});
