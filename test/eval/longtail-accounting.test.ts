import { describe, expect, it } from 'vitest';
import { longtailAccuracy, shotBucket, shotThresholds } from '../../src/eval/longtail-accounting.js';

const standard = { many: 100, few: 20 };

describe('shotThresholds', () => {
  const unset = { many_threshold: null, few_threshold: null };

  it('uses 100 / 20 when the head class has at least 500 images', () => {
    expect(shotThresholds(unset, 500)).toEqual(standard);
    expect(shotThresholds(unset, 5000)).toEqual(standard);
  });

  it('scales both by n_max/500 for a smaller head class', () => {
    expect(shotThresholds(unset, 250)).toEqual({ many: 50, few: 10 });
    expect(shotThresholds(unset, 60)).toEqual({ many: 12, few: 2.4 });
  });

  it('keeps thresholds the spec gives, scaling only the one left null', () => {
    expect(shotThresholds({ many_threshold: 30, few_threshold: 5 }, 60)).toEqual({ many: 30, few: 5 });
    expect(shotThresholds({ many_threshold: 300, few_threshold: null }, 250)).toEqual({ many: 300, few: 10 });
  });
});

describe('shotBucket', () => {
  it('many is strictly above the many threshold, few strictly below the few threshold', () => {
    expect(shotBucket(101, standard)).toBe('many');
    expect(shotBucket(100, standard)).toBe('medium');
    expect(shotBucket(20, standard)).toBe('medium');
    expect(shotBucket(19, standard)).toBe('few');
    expect(shotBucket(1, standard)).toBe('few');
  });
});

describe('longtailAccuracy', () => {
  // Seven classes: two many (500, 150), three medium (100, 50, 20), two few (19, 5).
  const trainCounts = [500, 150, 100, 50, 20, 19, 5];
  // Per class: test images and how many of them are predicted right.
  const testN = [4, 4, 2, 4, 4, 2, 4];
  const right = [4, 3, 1, 2, 0, 1, 1];

  function handMade(): { testLabels: Int32Array; predictions: Int32Array } {
    const labels: number[] = [];
    const predicted: number[] = [];
    testN.forEach((n, c) => {
      for (let k = 0; k < n; k++) {
        labels.push(c);
        predicted.push(k < right[c] ? c : (c + 1) % testN.length);
      }
    });
    return { testLabels: Int32Array.from(labels), predictions: Int32Array.from(predicted) };
  }

  it('reports overall accuracy over images and bucket accuracy as the mean of per-class accuracies', () => {
    const acc = longtailAccuracy({
      trainCounts,
      ...handMade(),
      thresholds: standard,
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
    });
    expect(acc.overall).toBeCloseTo(12 / 24, 12);
    expect(acc.many).toBeCloseTo((1 + 0.75) / 2, 12);
    expect(acc.medium).toBeCloseTo((0.5 + 0.5 + 0) / 3, 12);
    expect(acc.few).toBeCloseTo((0.5 + 0.25) / 2, 12);
    expect([acc.n_many, acc.n_medium, acc.n_few]).toEqual([2, 3, 2]);
    expect(acc.perClass.map((p) => p.bucket)).toEqual(['many', 'many', 'medium', 'medium', 'medium', 'few', 'few']);
    expect(acc.perClass[3]).toEqual({
      class: 3,
      name: 'd',
      train_count: 50,
      bucket: 'medium',
      test_n: 4,
      accuracy: 0.5,
    });
  });

  it('gives null for an empty bucket and for a class without test images, and leaves the latter out of its bucket', () => {
    const acc = longtailAccuracy({
      trainCounts: [500, 300, 10],
      testLabels: Int32Array.from([0, 0, 2]),
      predictions: Int32Array.from([0, 2, 2]),
      thresholds: standard,
    });
    expect(acc.medium).toBeNull();
    expect(acc.n_medium).toBe(0);
    expect(acc.perClass[1]).toMatchObject({ name: '1', test_n: 0, accuracy: null });
    expect(acc.many).toBe(0.5);
    expect(acc.few).toBe(1);
    expect(acc.overall).toBeCloseTo(2 / 3, 12);
  });

  it('rejects predictions that do not match the labels and labels outside the classes', () => {
    expect(() =>
      longtailAccuracy({
        trainCounts: [5, 5],
        testLabels: Int32Array.from([0, 1]),
        predictions: Int32Array.from([0]),
        thresholds: standard,
      }),
    ).toThrow(RangeError);
    expect(() =>
      longtailAccuracy({
        trainCounts: [5, 5],
        testLabels: Int32Array.from([0, 2]),
        predictions: Int32Array.from([0, 0]),
        thresholds: standard,
      }),
    ).toThrow(/outside 0\.\.1/);
  });
});
