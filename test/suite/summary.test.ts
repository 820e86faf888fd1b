import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/config/load.js';
import { groupCells, type CellResult } from '../../src/suite/aggregate.js';
import { differenceTable, differenceVerdicts, writeSummary } from '../../src/suite/summary.js';
import { differenceVerdict } from '../../src/util/stats.js';
import type { Suite } from '../../src/suite/schema.js';

function result(method: string, seed: number, metrics: Record<string, number>): CellResult {
  const spec = resolveSpec({ method: { name: method }, seed }, 'x.yaml');
  return { cell: { index: 0, spec, runId: `${method}-${seed}`, runDir: '/nowhere', overrides: {} }, metrics };
}

// cone − ce per seed: fine.linear +2, +3, −1 points (interval contains 0), fine.knn +5, +6, +4, nc1 −0.2, −0.3, −0.25.
const groups = groupCells([
  ...[0, 1, 2].map((s) => result('ce', s, { 'fine.linear': [0.8, 0.7, 0.75][s], 'fine.knn': 0.7, nc1: 0.5 })),
  ...[0, 1, 2].map((s) =>
    result('cone', s, {
      'fine.linear': [0.82, 0.73, 0.74][s],
      'fine.knn': [0.75, 0.76, 0.74][s],
      nc1: [0.3, 0.2, 0.25][s],
    }),
  ),
  result('etf-ce', 0, { 'fine.linear': 0.9, 'fine.knn': 0.6, nc1: 0.4 }),
]);

describe('paired differences to the baseline', () => {
  it('show the mean, the 95% t interval and the seeds of its sign, in % for accuracies', () => {
    const table = differenceTable(groups, 'mnist', 'ce', ['fine.linear', 'fine.knn', 'nc1'])!;
    // scipy: stats.t.interval(0.95, 2, ...) of [2, 3, -1] points: -3.84 … +6.50.
    expect(table).toMatch(
      /\| cone +\| \+1\.33 \[-3\.84, \+6\.50\] 2\/3 \| \+5\.00 \[\+2\.52, \+7\.48\] 3\/3 \| -0\.2500 \[-0\.3742, -0\.1258\] 3\/3 \|/,
    );
    expect(table).toMatch(/\| etf-ce +\| \+10\.00 1\/1 +\|/);
  });

  it('call a difference higher or lower only when its interval excludes 0', () => {
    expect(differenceVerdict({ mean: 0.5, std: 1, n: 3, level: 0.95, low: -0.1, high: 1.1, agree: 2 })).toBe(
      'no clear difference',
    );
    expect(differenceVerdict({ mean: 0.5, std: 0.1, n: 3, level: 0.95, low: 0.2, high: 0.8, agree: 3 })).toBe('higher');
    expect(differenceVerdict({ mean: 0.5, std: 0, n: 1, level: 0.95, low: NaN, high: NaN, agree: 1 })).toBe('one seed');
    expect(differenceVerdicts(groups, 'mnist', 'ce', ['fine.linear', 'fine.knn', 'nc1'])).toEqual([
      'cone − ce: higher: fine.knn; lower: nc1; no clear difference (interval contains 0): fine.linear',
      'etf-ce − ce: one seed, no interval: fine.linear, fine.knn, nc1',
    ]);
  });

  it('are in summary.md with the interval and the verdicts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-summary-'));
    const suite = { name: 's', pipeline: 'transfer' } as Suite;
    const results = groups.flatMap((g) => g.results);
    const { md } = writeSummary(dir, {
      suite,
      results,
      groups,
      baseline: 'ce',
      outcomes: [],
      failedCells: [],
      command: 'x',
    });
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toMatch(/Paired differences to ce \(same seed\): mean \[95% t interval over seeds\]/);
    expect(text).toMatch(/\+1\.33 \[-3\.84, \+6\.50\] 2\/3/);
    expect(text).toMatch(
      /^- cone − ce: higher: fine\.knn; lower: nc1; no clear difference \(interval contains 0\): fine\.linear$/m,
    );
  });
});
