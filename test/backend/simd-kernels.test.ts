import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { simdKernelsFor, useSimdKernels } from '../../src/backend/simd/index.js';
import { useBackend } from '../helpers/backends.js';
import { randomValues, relativeError, runOn } from './compare.js';

type Shape4 = [number, number, number, number];

/** A filter gradient through the registered kernel on seeded inputs. */
function filterGradient(x: Shape4, filter: Shape4, strides: number, pad: 'same' | 'valid'): () => tf.Tensor {
  const dy = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad).outShape;
  return () =>
    tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(randomValues(1, x), x), dy: tf.tensor4d(randomValues(2, dy), dy) }, {
      strides,
      pad,
      dataFormat: 'NHWC',
      filterShape: filter,
    }) as tf.Tensor;
}

/** Relative error of `compute` on the current wasm instance against cpu, which must leave nothing behind. */
async function onCurrentWasm(cpuValues: Float32Array, compute: () => tf.Tensor): Promise<number> {
  const count = () => [tf.memory().numTensors, tf.backend().numDataIds()];
  const before = count();
  const out = tf.tidy(compute);
  const error = relativeError(cpuValues, await out.data());
  out.dispose();
  expect(count()).toEqual(before);
  return error;
}

const SHAPES: [Shape4, Shape4, number, 'same' | 'valid'][] = [
  [[4, 12, 12, 16], [3, 3, 16, 32], 1, 'same'],
  [[3, 11, 9, 6], [3, 3, 6, 20], 2, 'same'],
  [[2, 10, 10, 16], [1, 1, 16, 8], 2, 'valid'],
];

describe('the project SIMD kernels', () => {
  afterAll(async () => {
    await useBackend('wasm');
    useSimdKernels(tf.backend(), 1);
  });

  it('are loaded for the wasm backend', async () => {
    await useBackend('wasm');
    expect(simdKernelsFor(tf.backend())).not.toBeNull();
  });

  it('run on two threads (a worker sharing the threaded build heap) with the cpu backend results', async () => {
    for (const [x, filter, strides, pad] of SHAPES) {
      const cpu = await runOn('cpu', filterGradient(x, filter, strides, pad));
      expect((await initBackend({ backend: 'wasm', threads: 2 })).threads).toBe(2);
      expect(simdKernelsFor(tf.backend())?.threads).toBe(2);
      expect(await onCurrentWasm(cpu.values[0], filterGradient(x, filter, strides, pad))).toBeLessThan(1e-4);
    }
  });

  it('fall back to the XNNPACK-composed kernels when the module cannot be loaded', async () => {
    for (const [x, filter, strides, pad] of SHAPES) {
      const cpu = await runOn('cpu', filterGradient(x, filter, strides, pad));
      await useBackend('wasm');
      const problem = useSimdKernels(tf.backend(), 1, '/nonexistent/kernels');
      expect(problem).toMatch(/kernels\.wasm is missing .*using the kernels composed from XNNPACK instead/);
      expect(simdKernelsFor(tf.backend())).toBeNull();
      expect(await onCurrentWasm(cpu.values[0], filterGradient(x, filter, strides, pad))).toBeLessThan(1e-4);
    }
  });
});
