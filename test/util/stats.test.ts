import { describe, expect, it } from 'vitest';
import { meanStd } from '../../src/util/stats.js';

describe('meanStd', () => {
  it('takes the mean and the sample standard deviation (n − 1)', () => {
    const s = meanStd([0.8, 0.7])!;
    expect(s.mean).toBeCloseTo(0.75, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(s.n).toBe(2);
  });

  it('gives std 0 for a single value', () => {
    expect(meanStd([1])).toEqual({ mean: 1, std: 0, n: 1 });
  });

  it('leaves out values that are not finite', () => {
    expect(meanStd([2, Number.NaN, 4, Number.POSITIVE_INFINITY])).toEqual({ mean: 3, std: Math.SQRT2, n: 2 });
  });

  it('is null when no value is finite, including for no values at all', () => {
    expect(meanStd([])).toBeNull();
    expect(meanStd([Number.NaN, Number.NEGATIVE_INFINITY])).toBeNull();
  });
});
