import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { simdKernelsFor, useSimdKernels } from '../../src/backend/simd/index.js';
import { BATCH_NORM_GRAD } from '../../src/backend/wasm-kernels/fused-batch-norm.js';
import { useBackend } from '../helpers/backends.js';
import { errorOnCurrentWasm, randomValues, runOn } from './compare.js';

type Shape4 = [number, number, number, number];

const seeded = (seed: number, shape: number[]) => tf.tensor(randomValues(seed, shape), shape);

/** A filter gradient through the registered kernel on seeded inputs. */
function filterGradient(x: Shape4, filter: Shape4, strides: number, pad: 'same' | 'valid'): () => tf.Tensor[] {
  const dy = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad).outShape;
  return () => [
    tf
      .engine()
      .runKernel(
        tf.Conv2DBackpropFilter,
        { x: seeded(1, x), dy: seeded(2, dy) },
        { strides, pad, dataFormat: 'NHWC', filterShape: filter },
      ) as tf.Tensor,
  ];
}

/** A training-mode batch norm (batch moments) and its gradients with respect to x, γ and β. */
function batchNormStep(shape: number[]): () => tf.Tensor[] {
  const c = shape.at(-1)!;
  const axes = shape.slice(0, -1).map((_, i) => i);
  return () => {
    const [x, weights, gamma, beta] = [
      seeded(1, shape),
      seeded(2, shape),
      seeded(3, [c]).abs().add(0.5),
      seeded(4, [c]),
    ];
    const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, axes);
      return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b, g, 1e-3), weights));
    };
    const y = tf.batchNorm(x, tf.zeros([c]), tf.ones([c]), beta, gamma, 1e-3);
    return [y, ...tf.grads(loss)([x, gamma, beta])];
  };
}

const COMPUTATIONS: [string, () => tf.Tensor[]][] = [
  ['filter gradient 4×12×12×16, 3×3 → 32, stride 1', filterGradient([4, 12, 12, 16], [3, 3, 16, 32], 1, 'same')],
  ['filter gradient 3×11×9×6, 3×3 → 20, stride 2', filterGradient([3, 11, 9, 6], [3, 3, 6, 20], 2, 'same')],
  ['filter gradient 2×10×10×16, 1×1 → 8, stride 2', filterGradient([2, 10, 10, 16], [1, 1, 16, 8], 2, 'valid')],
  ['batch norm and its gradient, 4×6×6×20', batchNormStep([4, 6, 6, 20])],
  ['batch norm and its gradient, 9×6', batchNormStep([9, 6])],
];

describe('the project SIMD kernels', () => {
  afterAll(async () => {
    await useBackend('wasm');
    useSimdKernels(tf.backend(), 1);
  });

  it('are loaded for the wasm backend, and the batch-norm gradient uses them', async () => {
    await useBackend('wasm');
    expect(simdKernelsFor(tf.backend())).not.toBeNull();
    const profile = await tf.profile(() => tf.dispose(batchNormStep([2, 3, 3, 8])()));
    expect(profile.kernelNames).toContain(BATCH_NORM_GRAD);
  });

  it.each(COMPUTATIONS)(
    'on two threads (a worker sharing the threaded build heap) match the cpu backend: %s',
    async (_, compute) => {
      const cpu = await runOn('cpu', compute);
      expect((await initBackend({ backend: 'wasm', threads: 2 })).threads).toBe(2);
      expect(simdKernelsFor(tf.backend())?.threads).toBe(2);
      expect(errorOnCurrentWasm(cpu.values, compute)).toBeLessThan(1e-4);
    },
  );

  it.each(COMPUTATIONS)(
    'fall back to the kernels composed from XNNPACK when the module cannot be loaded: %s',
    async (_, compute) => {
      const cpu = await runOn('cpu', compute);
      await useBackend('wasm');
      const problem = useSimdKernels(tf.backend(), 1, '/nonexistent/kernels');
      expect(problem).toMatch(/kernels\.wasm is missing .*using the kernels composed from XNNPACK instead/);
      expect(simdKernelsFor(tf.backend())).toBeNull();
      expect(errorOnCurrentWasm(cpu.values, compute)).toBeLessThan(1e-4);
    },
  );
});
