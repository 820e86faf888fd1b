import { describe, expect, it } from 'vitest';
import { longtailCounts, longtailSplit, splitRecord } from '../../src/data/longtail.js';
import { UsageError } from '../../src/errors.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Labels 0..k-1 with the given class sizes, interleaved (as a shuffled dataset would be). */
function labelsWithSizes(sizes: number[]): Int32Array {
  const out: number[] = [];
  for (let round = 0; out.length < sum(sizes); round++) sizes.forEach((s, y) => round < s && out.push(y));
  return Int32Array.from(out);
}

function keptPerClass(labels: Int32Array, idx: Int32Array, K: number): number[] {
  const counts = new Array<number>(K).fill(0);
  for (const i of idx) counts[labels[i]]++;
  return counts;
}

describe('longtailCounts', () => {
  // Expected values from the LDAM-DRW reference (Cao et al. 2019, imbalance_cifar.py):
  // [int(img_max * (1/rho) ** (i / (C - 1))) for i in range(C)], run in Python.
  it('matches the reference exponential profile, e.g. CIFAR-10 at rho = 100: 12,406 images, smallest class 50', () => {
    const cifar10 = longtailCounts(5000, 10, 100, 'exp');
    expect(cifar10).toEqual([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    expect(sum(cifar10)).toBe(12406);
    expect(longtailCounts(5000, 10, 50, 'exp')).toEqual([5000, 3237, 2096, 1357, 878, 568, 368, 238, 154, 100]);
    expect(sum(longtailCounts(5000, 10, 10, 'exp'))).toBe(20431);
    expect(longtailCounts(6000, 10, 200, 'exp')).toEqual([6000, 3330, 1848, 1025, 569, 316, 175, 97, 54, 30]);
    expect(longtailCounts(1000, 10, 100, 'exp')).toEqual([1000, 599, 359, 215, 129, 77, 46, 27, 16, 10]);
    expect(longtailCounts(100, 7, 3.5, 'exp')).toEqual([100, 81, 65, 53, 43, 35, 28]);
  });

  it('gives the published CIFAR-100-LT sizes (10,847 at rho = 100, 19,573 at rho = 10)', () => {
    const rho100 = longtailCounts(500, 100, 100, 'exp');
    expect(sum(rho100)).toBe(10847);
    expect(rho100.slice(0, 5)).toEqual([500, 477, 455, 434, 415]);
    expect(rho100.slice(-5)).toEqual([6, 5, 5, 5, 5]);
    expect(sum(longtailCounts(500, 100, 10, 'exp'))).toBe(19573);
  });

  it('has the profile shape: n_max first, floor(n_max/rho) last, non-increasing; rho = 1 is balanced', () => {
    for (const [nMax, K, rho] of [
      [5000, 10, 100],
      [500, 100, 37],
      [1234, 13, 7.5],
      [60, 6, 10],
    ]) {
      const c = longtailCounts(nMax, K, rho, 'exp');
      expect(c).toHaveLength(K);
      expect(c[0]).toBe(nMax);
      expect(c[K - 1]).toBe(Math.floor(nMax / rho));
      for (let i = 1; i < K; i++) expect(c[i]).toBeLessThanOrEqual(c[i - 1]);
    }
    expect(longtailCounts(300, 5, 1, 'exp')).toEqual([300, 300, 300, 300, 300]);
  });

  it('step profile: n_max for the first floor(C/2) classes, floor(n_max/rho) for the rest', () => {
    expect(longtailCounts(5000, 10, 100, 'step')).toEqual([5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50]);
    expect(longtailCounts(500, 5, 10, 'step')).toEqual([500, 500, 50, 50, 50]);
    expect(longtailCounts(500, 100, 100, 'step').filter((c) => c === 500)).toHaveLength(50);
    expect(sum(longtailCounts(500, 100, 100, 'step'))).toBe(50 * 500 + 50 * 5);
  });

  it('rejects rho < 1 or not a number', () => {
    expect(() => longtailCounts(100, 10, 0.5, 'exp')).toThrow(UsageError);
    expect(() => longtailCounts(100, 10, 0.5, 'exp')).toThrow(
      /longtail\.imbalance must be a number of at least 1.*got 0\.5/,
    );
    expect(() => longtailCounts(100, 10, Number.NaN, 'exp')).toThrow(/longtail\.imbalance/);
  });
});

describe('longtailSplit', () => {
  const sizes = [40, 40, 40, 40, 40, 40];
  const labels = labelsWithSizes(sizes);

  it('keeps the profile count of each class, each sample once, from its own class, in ascending order', () => {
    const split = longtailSplit(labels, 6, { imbalance: 10, profile: 'exp', seed: 3 });
    expect(split.counts).toEqual(longtailCounts(40, 6, 10, 'exp'));
    expect(keptPerClass(labels, split.indices, 6)).toEqual(split.counts);
    expect(new Set(split.indices).size).toBe(split.indices.length);
    expect([...split.indices]).toEqual([...split.indices].sort((a, b) => a - b));
    expect(split.indices.length).toBe(sum(split.counts));
  });

  it('takes n_max from the smallest class of a nearly balanced set, so every quota can be met', () => {
    const uneven = labelsWithSizes([50, 45, 60, 52]);
    const split = longtailSplit(uneven, 4, { imbalance: 5, profile: 'exp', seed: 0 });
    expect(split.nMax).toBe(45);
    expect(split.counts).toEqual(longtailCounts(45, 4, 5, 'exp'));
    expect(keptPerClass(uneven, split.indices, 4)).toEqual(split.counts);
  });

  it('is identical for the same seed and differs across seeds', () => {
    const opts = { imbalance: 4, profile: 'exp' as const };
    const a = longtailSplit(labels, 6, { ...opts, seed: 7 });
    const b = longtailSplit(labels, 6, { ...opts, seed: 7 });
    const c = longtailSplit(labels, 6, { ...opts, seed: 8 });
    expect([...a.indices]).toEqual([...b.indices]);
    expect(c.counts).toEqual(a.counts);
    expect([...c.indices]).not.toEqual([...a.indices]);
  });

  it('puts the head on a seeded permutation of the classes when asked', () => {
    const opts = { imbalance: 10, profile: 'exp' as const, permuteClasses: true };
    const byRank = longtailCounts(40, 6, 10, 'exp');
    const a = longtailSplit(labels, 6, { ...opts, seed: 1 });
    expect([...a.classOrder].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    a.classOrder.forEach((cls, rank) => expect(a.counts[cls]).toBe(byRank[rank]));
    expect(keptPerClass(labels, a.indices, 6)).toEqual(a.counts);
    expect(longtailSplit(labels, 6, { ...opts, seed: 1 }).classOrder).toEqual(a.classOrder);
    const orders = new Set(
      [1, 2, 3, 4, 5].map((seed) => longtailSplit(labels, 6, { ...opts, seed }).classOrder.join()),
    );
    expect(orders.size).toBeGreaterThan(1);
    expect(longtailSplit(labels, 6, { imbalance: 10, profile: 'exp', seed: 1 }).classOrder).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('records what split.json promises', () => {
    const split = longtailSplit(labels, 6, { imbalance: 10, profile: 'step', seed: 2 });
    expect(splitRecord(split)).toMatchObject({
      profile: 'step',
      imbalance: 10,
      seed: 2,
      counts: [40, 40, 40, 4, 4, 4],
      n_max: 40,
      n_train: 132,
    });
  });

  it('names the class that an imbalance too large would leave empty', () => {
    const names = ['zero', 'one', 'two', 'three', 'four', 'five'];
    expect(() => longtailSplit(labels, 6, { imbalance: 41, profile: 'exp', seed: 0, classNames: names })).toThrow(
      UsageError,
    );
    expect(() => longtailSplit(labels, 6, { imbalance: 41, profile: 'exp', seed: 0, classNames: names })).toThrow(
      "longtail.imbalance 41 leaves class 5 ('five') with 0 training images (n_max 40); use an imbalance of at most 40",
    );
    expect(() => longtailSplit(labels, 6, { imbalance: 40, profile: 'exp', seed: 0 })).not.toThrow();
    expect(() => longtailSplit(labels, 6, { imbalance: 0.9, profile: 'exp', seed: 0 })).toThrow(/at least 1/);
  });

  it('refuses a training split that lacks a class altogether', () => {
    expect(() =>
      longtailSplit(labelsWithSizes([10, 0, 10]), 3, {
        imbalance: 2,
        profile: 'exp',
        seed: 0,
        classNames: ['a', 'b', 'c'],
      }),
    ).toThrow("no images of class 1 ('b')");
  });
});
