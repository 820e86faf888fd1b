import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { balancedSubset, batchIndices, batchTensor, takeSplit } from '../../src/data/batches.js';
import type { Split } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';

function classCounts(labels: Int32Array, idx: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const i of idx) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return counts;
}

/** Labels 0..k-1 with the given class sizes, interleaved. */
function labelsWithSizes(sizes: number[]): Int32Array {
  const out: number[] = [];
  for (let round = 0; out.length < sizes.reduce((a, b) => a + b, 0); round++)
    sizes.forEach((s, y) => round < s && out.push(y));
  return Int32Array.from(out);
}

describe('balancedSubset', () => {
  it('takes equal counts per class, sorted and without repeats', () => {
    const labels = labelsWithSizes([100, 80, 120, 90]);
    const idx = balancedSubset(labels, 200, new Rng(1));
    expect(idx.length).toBe(200);
    expect(new Set(idx).size).toBe(200);
    expect(Array.from(idx)).toEqual(Array.from(idx).sort((a, b) => a - b));
    expect([...classCounts(labels, idx).values()]).toEqual([50, 50, 50, 50]);
  });

  it('spreads the remainder one per class and takes small classes whole', () => {
    const labels = labelsWithSizes([100, 100, 100]);
    const counts = [...classCounts(labels, balancedSubset(labels, 100, new Rng(2))).values()].sort();
    expect(counts).toEqual([33, 33, 34]);
    const skewed = labelsWithSizes([5, 100, 100]);
    const c = classCounts(skewed, balancedSubset(skewed, 105, new Rng(3)));
    expect([c.get(0), c.get(1), c.get(2)]).toEqual([5, 50, 50]);
  });

  it('is determined by the seed', () => {
    const labels = labelsWithSizes([50, 50, 50]);
    const a = balancedSubset(labels, 30, new Rng(7));
    expect(Array.from(balancedSubset(labels, 30, new Rng(7)))).toEqual(Array.from(a));
    expect(Array.from(balancedSubset(labels, 30, new Rng(8)))).not.toEqual(Array.from(a));
  });

  it('refuses more samples than there are', () => {
    expect(() => balancedSubset(Int32Array.of(0, 1), 3, new Rng(0))).toThrow('cannot be taken from 2');
  });
});

describe('batchIndices', () => {
  it('covers every index exactly once per epoch, in a seeded order', () => {
    const rng = new Rng(5);
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = [...batchIndices(103, 10, rng)];
      expect(batches.map((b) => b.length)).toEqual([...Array(10).fill(10), 3]);
      const all = batches.flatMap((b) => Array.from(b));
      expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    }
    const first = (seed: number) => Array.from([...batchIndices(103, 10, new Rng(seed))][0]);
    expect(first(5)).toEqual(first(5));
    expect(first(5)).not.toEqual(first(6));
  });

  it('drops the short last batch when asked', () => {
    const batches = [...batchIndices(25, 10, new Rng(0), { dropLast: true })];
    expect(batches.map((b) => b.length)).toEqual([10, 10]);
  });
});

describe('batch tensors', () => {
  const split: Split = {
    images: Uint8Array.from({ length: 3 * 4 }, (_, i) => i * 20),
    fine: Int32Array.of(2, 0, 1),
    coarse: Int32Array.of(1, 0, 0),
    n: 3,
  };

  it('scales bytes to [0, 1] in the requested shape and leaks no tensor', () => {
    const before = tf.memory().numTensors;
    const x = batchTensor(split, [2, 2, 1], Int32Array.of(2, 0));
    expect(x.shape).toEqual([2, 2, 2, 1]);
    expect(x.dtype).toBe('float32');
    const expected = [8, 9, 10, 11, 0, 1, 2, 3].map((i) => (i * 20) / 255);
    Array.from(x.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected[k], 6));
    x.dispose();
    const f = batchTensor(
      { ...split, images: Float32Array.of(-1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) },
      [4],
      Int32Array.of(0),
    );
    expect(Array.from(f.dataSync())).toEqual([-1, 2, 3, 4]);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a shape that does not match the samples', () => {
    expect(() => batchTensor(split, [3], Int32Array.of(0))).toThrow(RangeError);
  });

  it('takeSplit copies the chosen samples and labels in order', () => {
    const sub = takeSplit(split, Int32Array.of(2, 1));
    expect(sub.n).toBe(2);
    expect(Array.from(sub.images)).toEqual([160, 180, 200, 220, 80, 100, 120, 140]);
    expect(Array.from(sub.fine)).toEqual([1, 0]);
    expect(Array.from(sub.coarse)).toEqual([0, 0]);
    expect(sub.images).toBeInstanceOf(Uint8Array);
  });
});
