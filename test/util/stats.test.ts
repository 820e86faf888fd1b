import { describe, expect, it } from 'vitest';
import { meanStd, studentTQuantile, tInterval } from '../../src/util/stats.js';

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

/* scipy 1.17.1 (numpy 2.4.6), computed once with python3: stats.t.ppf(p, df) for df = 1, 2, 3, 4, 5, 7, 9, 29, 100. */
const DFS = [1, 2, 3, 4, 5, 7, 9, 29, 100];
const SCIPY_T_PPF: Record<string, number[]> = {
  '0.9': [
    3.0776835371752544, 1.8856180831641272, 1.637744353696209, 1.533206274058944, 1.4758840488244815,
    1.4149239276505086, 1.3830287383966329, 1.311433647301551, 1.290074761346516,
  ],
  '0.975': [
    12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934, 2.5705818356363146,
    2.364624251592784, 2.262157162798205, 2.045229642132703, 1.9839715185235518,
  ],
  '0.995': [
    63.656741162871526, 9.924843200918287, 5.840909309733355, 4.604094871349992, 4.032142983555228, 3.4994832973504924,
    3.249835541592126, 2.756385903670605, 2.6258905214380173,
  ],
};

describe('studentTQuantile', () => {
  for (const [p, expected] of Object.entries(SCIPY_T_PPF))
    it(`matches scipy.stats.t.ppf(${p}, df) to 1e-10 relative`, () => {
      DFS.forEach((df, i) => {
        expect(Math.abs(studentTQuantile(Number(p), df) / expected[i] - 1)).toBeLessThan(1e-10);
        expect(Math.abs(studentTQuantile(1 - Number(p), df) / -expected[i] - 1)).toBeLessThan(1e-10);
      });
    });

  it('is 0 at the median and NaN outside (0, 1) or for df ≤ 0', () => {
    expect(studentTQuantile(0.5, 3)).toBe(0);
    expect(studentTQuantile(1, 3)).toBeNaN();
    expect(studentTQuantile(0.9, 0)).toBeNaN();
  });
});

describe('tInterval', () => {
  it("is scipy.stats.t.interval of the mean, and counts the values of the mean's sign", () => {
    // stats.t.interval(0.95, 2, loc=x.mean(), scale=x.std(ddof=1)/sqrt(3)) for x = [0.0063, -0.0021, 0.0112]
    const a = tInterval([0.0063, -0.0021, 0.0112], 0.95)!;
    expect(a.mean).toBeCloseTo(0.0051333333333333335, 15);
    expect(a.low).toBeCloseTo(-0.011575763085501015, 12);
    expect(a.high).toBeCloseTo(0.021842429752167682, 12);
    expect(a).toMatchObject({ n: 3, level: 0.95, agree: 2 });
    // The same at 0.9 for ten values.
    const b = tInterval([1.2, 0.4, -0.3, 0.9, 1.5, 0.2, 0.8, 1.1, -0.1, 0.6], 0.9)!;
    expect(b.low).toBeCloseTo(0.29304168580283835, 12);
    expect(b.high).toBeCloseTo(0.9669583141971618, 12);
    expect(b.agree).toBe(8);
    expect(tInterval([-2, -1, 0.5])!.agree).toBe(2);
  });

  it('has no interval for one value, is null for none, and refuses a level outside (0, 1)', () => {
    const one = tInterval([0.02])!;
    expect(one.low).toBeNaN();
    expect(one.high).toBeNaN();
    expect(one.agree).toBe(1);
    expect(tInterval([Number.NaN])).toBeNull();
    expect(() => tInterval([1, 2], 95)).toThrow(/confidence level/);
  });
});
