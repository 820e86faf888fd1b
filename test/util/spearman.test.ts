import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageRanks, spearman } from '../../src/util/stats.js';
import { ROOT } from '../helpers/cli.js';

/** Made by test/fixtures/spearman/make_fixtures.py with scipy.stats.spearmanr. */
const CASES = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/spearman/spearman-cases.json'), 'utf8')) as {
  name: string;
  x: number[];
  y: number[];
  rho: number | null;
}[];

describe('Spearman rank correlation', () => {
  it('gives tied values their average rank', () => {
    expect(averageRanks([10, 20, 10, 30, 20, 20])).toEqual([1.5, 4, 1.5, 6, 4, 4]);
  });

  for (const c of CASES) {
    it(`matches scipy.stats.spearmanr: ${c.name}`, () => {
      const rho = spearman(c.x, c.y);
      if (c.rho === null) expect(rho).toBeNaN();
      else expect(rho).toBeCloseTo(c.rho, 12);
    });
  }

  it('leaves out pairs with a missing value, and is NaN below two pairs', () => {
    expect(spearman([1, 2, NaN, 3], [2, 4, 5, 9])).toBeCloseTo(1, 12);
    expect(spearman([1], [2])).toBeNaN();
  });
});
