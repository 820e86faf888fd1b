import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/config/load.js';
import { groupCells, type CellResult } from '../../src/suite/aggregate.js';
import { differenceTable, differenceVerdicts, writeSummary } from '../../src/suite/summary.js';
import { differenceVerdict } from '../../src/util/stats.js';
import type { Suite } from '../../src/suite/schema.js';
import { readSuite } from '../../src/report/read-suite.js';
import { missingSystemPackage } from '../helpers/system.js';

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
      /\| cone +\| \+1\.33 \[-3\.84, \+6\.50\] 2\/3 \| \+5\.00 \[\+2\.52, \+7\.48\] 3\/3 \| -0\.25 \[-0\.3742, -0\.1258\] 3\/3 \|/,
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
    const suite = { name: 's', pipeline: 'transfer', grid: {} } as unknown as Suite;
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

function gridResult(method: string, seed: number, metrics: Record<string, number>, overrides: Record<string, unknown>) {
  const spec = resolveSpec({ method: { name: method }, seed }, 'x.yaml');
  return {
    cell: {
      index: 0,
      spec,
      runId: `${method}-${seed}${overrides['method.theta'] ?? ''}`,
      runDir: '/nowhere',
      overrides,
    },
    metrics,
  };
}

const suite: Suite = {
  name: 'grid',
  file: 'grid.yaml',
  base: null,
  spec: {},
  pipeline: 'transfer',
  grid: { 'method.name': ['ce', 'cone'], 'method.theta': [20, 30], 'optimizer.lr': [0.1], seed: [0] },
  baseline: 'ce',
  expectations: [],
  report: true,
};
const results: CellResult[] = [
  gridResult('ce', 0, { 'fine.linear': 0.8, nc1: 0.1 }, { 'optimizer.lr': 0.1 }),
  gridResult('cone', 0, { 'fine.linear': 0.9, nc1: 0.5 }, { 'method.theta': 20, 'optimizer.lr': 0.1 }),
  gridResult('cone', 0, { 'fine.linear': 0.85, nc1: 0.6 }, { 'method.theta': 30, 'optimizer.lr': 0.1 }),
];

function written(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-summary-'));
  const gridGroups = groupCells(results);
  writeSummary(dir, {
    suite,
    results,
    groups: gridGroups,
    baseline: 'ce',
    outcomes: [],
    failedCells: [],
    command: 'cone run',
  });
  return dir;
}

/** Reads summary.csv with Python's csv module, as a researcher would, and prints what it found as JSON. */
const PY_READER = `
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
theta = {r['run_id']: r['method.theta'] for r in rows}
lin = sorted((r['method'], r['method.theta'], float(r['value'])) for r in rows if r['metric'] == 'fine.linear')
print(json.dumps({'columns': list(rows[0].keys()), 'theta': theta, 'lr': sorted({float(r['optimizer.lr']) for r in rows}), 'linear': lin}))
`;

describe('summary.csv', () => {
  it('gives every grid field its own column, one row per cell and metric', () => {
    const dir = written();
    const text = fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(
      'suite,cell,pipeline,dataset,method,seed,method.theta,optimizer.lr,overrides,run_id,metric,value',
    );
    expect(text.trim().split('\n')).toHaveLength(1 + 3 * 2);
    // The report still reads it (the grid columns are extra).
    const data = readSuite(dir);
    expect(data.rows).toHaveLength(6);
    expect(data.rows.find((r) => r.method === 'cone')?.overrides).toBe('{"method.theta":20,"optimizer.lr":0.1}');
  });

  it.skipIf(
    missingSystemPackage({
      path: '/usr/bin/python3',
      apt: 'python3',
      use: 'the summary.csv reader test',
      executable: true,
    }),
  )('loads in Python with the csv module, grid values as plain numbers (empty where the method has none)', () => {
    const dir = written();
    const out = JSON.parse(
      execFileSync('python3', ['-c', PY_READER, path.join(dir, 'summary.csv')], { encoding: 'utf8' }),
    ) as { columns: string[]; theta: Record<string, string>; lr: number[]; linear: [string, string, number][] };
    expect(out.columns).toContain('method.theta');
    expect(out.theta['ce-0']).toBe('');
    expect(out.lr).toEqual([0.1]);
    expect(out.linear).toEqual([
      ['ce', '', 0.8],
      ['cone', '20', 0.9],
      ['cone', '30', 0.85],
    ]);
  });
});
