import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomValues, wasmVsCpu } from './compare.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

interface Case {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

/** Strides 1–3, same/valid/explicit padding, odd sizes, 1×1 and non-square filters, one, few and many channels. */
const CASES: Case[] = [
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [3, 11, 10, 2], filter: [3, 3, 2, 5], strides: 3, pad: 'same' },
  { x: [3, 11, 10, 2], filter: [3, 3, 2, 5], strides: 3, pad: 'valid' },
  { x: [2, 9, 9, 5], filter: [1, 1, 5, 6], strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 5], filter: [1, 1, 5, 6], strides: 2, pad: 'same' },
  { x: [2, 9, 8, 4], filter: [2, 3, 4, 3], strides: 1, pad: 'same' },
  { x: [2, 10, 7, 4], filter: [3, 2, 4, 3], strides: [2, 1], pad: 'valid' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 1, pad: 1 },
  { x: [2, 6, 6, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'same' },
  { x: [2, 6, 6, 48], filter: [3, 3, 48, 40], strides: 1, pad: 'same' },
  { x: [9, 16, 16, 1], filter: [3, 3, 1, 128], strides: 1, pad: 'same' },
  // Whole 4-channel × 8-output tiles of the SIMD filter gradient, strided, and a strided 1×1 shortcut.
  { x: [3, 9, 11, 8], filter: [3, 3, 8, 16], strides: 2, pad: 'same' },
  { x: [2, 8, 8, 8], filter: [1, 1, 8, 24], strides: 2, pad: 'valid' },
  // One input channel takes the filter gradient's GEMM path: strides, odd windows, far-side crops.
  { x: [2, 11, 10, 1], filter: [3, 2, 1, 4], strides: [2, 3], pad: 'valid' },
  { x: [3, 9, 9, 1], filter: [5, 5, 1, 3], strides: 2, pad: 'same' },
  { x: [2, 7, 8, 1], filter: [3, 3, 1, 5], strides: 3, pad: 1 },
];

function label(c: Case): string {
  return `x ${c.x.join('×')}, filter ${c.filter.join('×')}, strides ${c.strides}, pad ${c.pad}`;
}

function dyShape(c: Case): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

describe('wasm conv2d gradient kernels match the cpu backend', () => {
  it.each(CASES)('Conv2DBackpropFilter: $x / $filter, strides $strides, pad $pad', async (c) => {
    const error = await wasmVsCpu(
      () =>
        tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x: tf.tensor4d(randomValues(1, c.x), c.x), dy: tf.tensor4d(randomValues(2, dyShape(c)), dyShape(c)) },
          {
            strides: c.strides,
            pad: c.pad,
            dataFormat: 'NHWC',
            filterShape: c.filter,
          },
        ) as tf.Tensor,
    );
    expect(error, label(c)).toBeLessThan(1e-4);
  });

  it.each(CASES)('Conv2DBackpropInput: $x / $filter, strides $strides, pad $pad', async (c) => {
    const error = await wasmVsCpu(
      () =>
        tf.engine().runKernel(
          tf.Conv2DBackpropInput,
          {
            dy: tf.tensor4d(randomValues(2, dyShape(c)), dyShape(c)),
            filter: tf.tensor4d(randomValues(3, c.filter), c.filter),
          },
          {
            strides: c.strides,
            pad: c.pad,
            dataFormat: 'NHWC',
            inputShape: c.x,
          },
        ) as tf.Tensor,
    );
    expect(error, label(c)).toBeLessThan(1e-4);
  });

  it('tf.grad of conv2d gives both gradients through the registered kernels', async () => {
    const c = CASES[1];
    const error = await wasmVsCpu(() => {
      const weights = tf.tensor4d(randomValues(4, dyShape(c)), dyShape(c));
      const loss = (x: tf.Tensor, f: tf.Tensor) =>
        tf
          .conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad as 'same')
          .mul(weights)
          .sum();
      return tf.grads(loss)([tf.tensor4d(randomValues(1, c.x), c.x), tf.tensor4d(randomValues(3, c.filter), c.filter)]);
    });
    expect(error).toBeLessThan(1e-4);
  });
});
