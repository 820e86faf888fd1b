import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { etfAngleDeg, maxThetaDeg, simplexEtf } from '../../src/model/etf.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The ETF as float64 rows, freeing the tensor. */
function rows(K: number, d: number, seed: number): number[][] {
  const W = simplexEtf(K, d, seed);
  const out = W.arraySync();
  W.dispose();
  return out;
}

describe('simplexEtf', () => {
  it.each([
    [2, 2],
    [4, 4],
    [4, 16],
    [10, 32],
    [20, 20],
  ])('K=%i, d=%i: Gram matrix is I·K/(K−1) − 11ᵀ/(K−1) (unit rows, cosines −1/(K−1))', (K, d) => {
    const W = rows(K, d, 3);
    expect(W.length).toBe(K);
    expect(W[0].length).toBe(d);
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        const gram = W[i].reduce((s, x, r) => s + x * W[j][r], 0);
        const expected = (i === j ? K / (K - 1) : 0) - 1 / (K - 1);
        expect(Math.abs(gram - expected)).toBeLessThan(1e-5);
      }
    }
    for (let r = 0; r < d; r++) expect(Math.abs(W.reduce((s, row) => s + row[r], 0))).toBeLessThan(1e-5);
  });

  it('is a function of (K, d, seed) and changes with the seed', () => {
    expect(rows(5, 8, 42)).toEqual(rows(5, 8, 42));
    expect(rows(5, 8, 43)).not.toEqual(rows(5, 8, 42));
  });

  it('is the same on the wasm backend, bit for bit', async (ctx) => {
    const onCpu = rows(6, 12, 9);
    const wasmLoaded = await import('@tensorflow/tfjs-backend-wasm').then(
      () => tf.setBackend('wasm'),
      () => false,
    );
    if (!wasmLoaded) ctx.skip();
    try {
      expect(rows(6, 12, 9)).toEqual(onCpu);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('rejects d < K and K < 2 with a UsageError', () => {
    expect(() => simplexEtf(10, 9, 1)).toThrow(UsageError);
    expect(() => simplexEtf(10, 9, 1)).toThrow(/d must be ≥ K.*\(got d=9, K=10\)/);
    expect(() => simplexEtf(1, 4, 1)).toThrow(/K must be an integer ≥ 2/);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    simplexEtf(4, 8, 1).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ETF angles', () => {
  it('φ = arccos(−1/(K−1)) and the largest cone half-angle φ/2', () => {
    expect(etfAngleDeg(2)).toBeCloseTo(180, 10);
    expect(etfAngleDeg(3)).toBeCloseTo(120, 10);
    expect(etfAngleDeg(4)).toBeCloseTo(109.4712206, 6);
    expect(maxThetaDeg(4)).toBeCloseTo(54.7356103, 6);
    expect(maxThetaDeg(5)).toBeCloseTo(52.2387561, 6);
    // φ approaches 90° as K grows: the directions become nearly orthogonal.
    expect(etfAngleDeg(1000)).toBeCloseTo(90.0573, 3);
  });
});
