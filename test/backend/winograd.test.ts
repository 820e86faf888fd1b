import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { simdKernelsFor, useSimdKernels } from '../../src/backend/simd/index.js';
import { useBackend } from '../helpers/backends.js';
import { errorOnCurrentWasm, randomValues, runOn, simdOpsOf } from './compare.js';

type Shape4 = [number, number, number, number];

const seeded = (seed: number, shape: number[]) => tf.tensor(randomValues(seed, shape), shape);

interface Conv {
  x: Shape4;
  cout: number;
  pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding;
  bias?: boolean;
  activation?: tf.fused.Activation;
  strides?: number;
}

/** A fused convolution (or a plain one: no bias, linear) on seeded inputs. */
function convolution({ x, cout, pad, bias = false, activation = 'linear', strides = 1 }: Conv): () => tf.Tensor[] {
  const filter: Shape4 = [3, 3, x[3], cout];
  return () => {
    const [input, weights] = [seeded(1, x) as tf.Tensor4D, seeded(2, filter) as tf.Tensor4D];
    if (!bias && activation === 'linear') return [tf.conv2d(input, weights, strides, pad)];
    return [
      tf.fused.conv2d({
        x: input,
        filter: weights,
        strides,
        pad,
        bias: bias ? seeded(3, [cout]) : undefined,
        activation,
      }),
    ];
  };
}

/** Shapes the Winograd kernel takes: odd sizes, same, valid and explicit padding, channels not multiples of 4 or 8, batches 1 and > 1. */
const WINOGRAD: [string, Conv][] = [
  ['2×9×7×18 → 29, same, bias, relu', { x: [2, 9, 7, 18], cout: 29, pad: 'same', bias: true, activation: 'relu' }],
  ['1×8×8×16 → 32, same, plain conv2d', { x: [1, 8, 8, 16], cout: 32, pad: 'same' }],
  [
    '2×7×9×16 → 24, explicit asymmetric padding, relu',
    {
      x: [2, 7, 9, 16],
      cout: 24,
      pad: [
        [0, 0],
        [2, 0],
        [1, 3],
        [0, 0],
      ],
      activation: 'relu',
    },
  ],
  ['3×11×6×17 → 35, valid, bias', { x: [3, 11, 6, 17], cout: 35, pad: 'valid', bias: true }],
  ['1×5×5×24 → 24, valid, relu6', { x: [1, 5, 5, 24], cout: 24, pad: 'valid', activation: 'relu6' }],
  ['2×10×13×8 → 16, same, bias, relu', { x: [2, 10, 13, 8], cout: 16, pad: 'same', bias: true, activation: 'relu' }],
  ['4×14×14×32 → 64, same, bias, relu', { x: [4, 14, 14, 32], cout: 64, pad: 'same', bias: true, activation: 'relu' }],
  [
    '70×3×3×16 → 33, same, bias (tiles over several blocks and slices)',
    { x: [70, 3, 3, 16], cout: 33, pad: 'same', bias: true },
  ],
];

/** Shapes it leaves to XNNPACK: one input channel, too few channel pairs, stride 2, an activation it does not fuse. */
const STOCK: [string, Conv][] = [
  ['2×9×9×8 → 8, same, bias', { x: [2, 9, 9, 8], cout: 8, pad: 'same', bias: true }],
  ['2×9×9×1 → 16, same, bias, relu', { x: [2, 9, 9, 1], cout: 16, pad: 'same', bias: true, activation: 'relu' }],
  ['2×9×9×16 → 16, same, stride 2', { x: [2, 9, 9, 16], cout: 16, pad: 'same', strides: 2 }],
  [
    '2×6×6×16 → 16, same, bias, sigmoid',
    { x: [2, 6, 6, 16], cout: 16, pad: 'same', bias: true, activation: 'sigmoid' },
  ],
];

describe('the Winograd 3×3 convolution', () => {
  afterAll(async () => {
    await useBackend('wasm');
    useSimdKernels(tf.backend(), 1);
  });

  it('runs for a qualifying FusedConv2D (the profile shows FusedConv2D, which ran Winograd), not for the shapes it leaves to XNNPACK', async () => {
    await useBackend('wasm');
    const qualifying = convolution(WINOGRAD[0][1]);
    const profile = await tf.profile(() => tf.dispose(qualifying()));
    expect(profile.kernelNames).toContain('FusedConv2D');
    expect(simdOpsOf(qualifying)).toEqual(['winogradFilter', 'winogradConv2d']);
    for (const [, conv] of STOCK) expect(simdOpsOf(convolution(conv))).toEqual([]);
  });

  it.each(WINOGRAD)('on two threads (shared heap) matches the cpu backend: %s', async (_, conv) => {
    const compute = convolution(conv);
    const cpu = await runOn('cpu', compute);
    expect((await initBackend({ backend: 'wasm', threads: 2 })).threads).toBe(2);
    expect(simdKernelsFor(tf.backend())?.threads).toBe(2);
    expect(simdOpsOf(compute)).toContain('winogradConv2d');
    expect(errorOnCurrentWasm(cpu.values, compute)).toBeLessThan(1e-4);
  });

  it.each([...WINOGRAD, ...STOCK])('on the single-threaded backend matches the cpu backend: %s', async (_, conv) => {
    const compute = convolution(conv);
    const cpu = await runOn('cpu', compute);
    await useBackend('wasm');
    expect(errorOnCurrentWasm(cpu.values, compute)).toBeLessThan(1e-4);
  });

  it.each(WINOGRAD)('falls back to the stock kernel when the module cannot be loaded: %s', async (_, conv) => {
    const compute = convolution(conv);
    const cpu = await runOn('cpu', compute);
    await useBackend('wasm');
    expect(useSimdKernels(tf.backend(), 1, '/nonexistent/kernels')).toMatch(/kernels\.wasm is missing/);
    expect(simdKernelsFor(tf.backend())).toBeNull();
    expect(errorOnCurrentWasm(cpu.values, compute)).toBeLessThan(1e-4);
  });
});
