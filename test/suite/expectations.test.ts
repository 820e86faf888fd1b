import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { groupCells, metricStat, pairedDifference, type CellResult } from '../../src/suite/aggregate.js';
import { metricNames } from '../../src/suite/cell-metrics.js';
import {
  checkSuiteNames,
  evaluateExpectations,
  formatOutcome,
  parseExpectation,
} from '../../src/suite/expectations.js';
import { loadSuite } from '../../src/suite/load.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function result(
  method: string,
  seed: number,
  metrics: Record<string, number>,
  overrides: Record<string, unknown> = {},
): CellResult {
  const spec = resolveSpec({ method: { name: method }, seed }, 'x.yaml');
  return { cell: { index: 0, spec, runId: `${method}-${seed}`, runDir: '/nowhere', overrides }, metrics };
}

const results = [
  result('ce', 0, { 'fine.linear': 0.8, nc1: 0.1 }),
  result('ce', 1, { 'fine.linear': 0.7, nc1: 0.3 }),
  result('cone', 0, { 'fine.linear': 0.9, nc1: 0.5 }, { 'method.theta': 30 }),
  result('cone', 1, { 'fine.linear': 0.85, nc1: 0.6 }, { 'method.theta': 30 }),
];
const groups = groupCells(results);

describe('aggregation', () => {
  it('takes the mean and sample standard deviation over seeds, and null for a metric no seed measured', () => {
    const ce = groups.find((g) => g.method === 'ce')!;
    const s = metricStat(ce, 'fine.linear')!;
    expect(s.mean).toBeCloseTo(0.75, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(metricStat(ce, 'fine.knn')).toBeNull();
  });

  it('pairs differences by seed, matching ce to cone across a theta override ce does not have', () => {
    const cone = groups.find((g) => g.method === 'cone')!;
    const ce = groups.find((g) => g.method === 'ce')!;
    const d = pairedDifference(cone, ce, 'fine.linear')!;
    expect(d.mean).toBeCloseTo((0.1 + 0.15) / 2, 12);
    expect(d.n).toBe(2);
  });
});

describe('expectations', () => {
  it('parses method comparisons and constant bounds, and rejects anything else', () => {
    expect(parseExpectation({ check: 'fine.linear(cone) > fine.linear(ce)', margin: 0 }, 's')).toMatchObject({
      metric: 'fine.linear',
      method: 'cone',
      op: '>',
      right: { metric: 'fine.linear', method: 'ce' },
    });
    expect(parseExpectation({ check: 'coarse.accuracy(*) >= 90', margin: 0 }, 's').right).toBe(90);
    // Trajectory metrics (trajectory.csv of tracked runs).
    expect(parseExpectation({ check: 'fine.linear@best(cone) > fine.linear@best(ce)', margin: 0 }, 's')).toMatchObject({
      metric: 'fine.linear@best',
      right: { metric: 'fine.linear@best', method: 'ce' },
    });
    expect(() => parseExpectation({ check: 'cone beats ce', margin: 0 }, 'suite.yaml')).toThrow(
      /suite\.yaml: expectation 'cone beats ce' is not of the form/,
    );
  });

  it('refuses a threshold that is not a finite number (1e999 read as Infinity), as a spec error (issue 20)', () => {
    for (const check of ['fine.linear(ce) > 1e999', 'nc1(*) < -1e400']) {
      expect(() => parseExpectation({ check, margin: 0 }, 'suite.yaml: expectations.0')).toThrow(UsageError);
      expect(() => parseExpectation({ check, margin: 0 }, 'suite.yaml: expectations.0')).toThrow(
        `suite.yaml: expectations.0: expectation '${check}': threshold ${check.split(' ').pop()} is not a finite number`,
      );
    }
    expect(parseExpectation({ check: 'nc1(*) < 1e300', margin: 0 }, 's').right).toBe(1e300);
  });

  it('checks seed means, with a margin, in every group of the left method', () => {
    const out = evaluateExpectations(
      [
        { check: 'fine.linear(cone) > fine.linear(ce)', margin: 0 },
        { check: 'fine.linear(cone) > fine.linear(ce)', margin: 20 },
        { check: 'nc1(ce) < nc1(cone)', margin: 0 },
        { check: 'fine.linear(*) > 72', margin: 0 },
        { check: 'fine.knn(cone) > 50', margin: 0 },
      ],
      groups,
      's',
    );
    expect(out.map((o) => o.pass)).toEqual([true, false, true, true, true, false]);
    // Accuracies compare in percent (src/util/units.ts); nc1 in its own unit.
    expect(out[0].left).toBeCloseTo(87.5, 10);
    expect(out[0].right).toBeCloseTo(75, 10);
    expect(out[2].left).toBeCloseTo(0.2, 12);
    expect(out[5].detail).toMatch(/fine\.knn was not measured/);
  });
});

describe('expectations on the interval over seeds', () => {
  // cone − ce per seed: +2, +3, −1 points (mean +1.33, 95% t interval −3.84 … +6.50); knn: +5, +6, +4 (in percent, src/util/units.ts).
  const seeded = groupCells([
    ...[0.8, 0.7, 0.75].map((v, s) => result('ce', s, { 'fine.linear': v, 'fine.knn': v })),
    ...[0.82, 0.73, 0.74].map((v, s) => result('cone', s, { 'fine.linear': v, 'fine.knn': [0.85, 0.76, 0.79][s] })),
    result('etf-ce', 0, { 'fine.linear': 0.9 }),
    result('ce', 5, { 'fine.linear': 0.1 }), // a seed cone does not have: left out of the pairs
  ]);
  const check = (c: string, interval?: number, margin = 0) =>
    evaluateExpectations([{ check: c, margin, interval }], seeded, 's')[0];

  it('passes a comparison of means, but not on an interval that contains 0', () => {
    expect(check('fine.linear(cone) > fine.linear(ce)').pass).toBe(true); // ce's mean includes seed 5's 0.1
    const paired = check('fine.linear(cone) > fine.linear(ce)', 0.95);
    expect(paired.pass).toBe(false);
    expect(paired.difference!.n).toBe(3);
    expect(paired.difference!.mean).toBeCloseTo(4 / 3, 10);
    // scipy: stats.t.interval(0.95, 2, loc=0.04/3, scale=std([.02,.03,-.01], ddof=1)/sqrt(3)), in percent
    expect(paired.difference!.low).toBeCloseTo(-3.8378116792, 8);
    expect(paired.difference!.high).toBeCloseTo(6.5044783459, 8);
    expect(paired.difference!.agree).toBe(2);
    expect(formatOutcome(paired)).toMatch(
      /^FAIL fine\.linear\(cone\) > fine\.linear\(ce\) \[mnist\]: 76\.33% vs 58\.75%; difference \+1\.33%, 95% t interval \[-3\.84%, \+6\.50%\], 2 of 3 seeds of its sign$/,
    );
  });

  it('passes when the whole interval is past the margin, on the side of the operator', () => {
    expect(check('fine.knn(cone) > fine.knn(ce)', 0.95).pass).toBe(true);
    expect(check('fine.knn(cone) > fine.knn(ce)', 0.95, 4).pass).toBe(false); // low end 2.52 < 4 points
    expect(check('fine.knn(ce) < fine.knn(cone)', 0.95).pass).toBe(true);
    expect(check('fine.knn(ce) >= fine.knn(cone)', 0.95).pass).toBe(false);
    // Against a number: the interval of the mean − the number.
    expect(check('fine.knn(cone) > 65', 0.95).pass).toBe(true);
    expect(check('fine.knn(cone) > 70', 0.95).pass).toBe(false); // mean 80%, but the interval reaches down to 68.6%
  });

  it('fails with a reason when fewer than 2 seeds pair up', () => {
    const one = check('fine.linear(etf-ce) > fine.linear(ce)', 0.95);
    expect(one.pass).toBe(false);
    expect(one.detail).toMatch(/an interval needs 2 or more seeds measured for both methods/);
  });

  it('is an optional field of an expectation in the suite file, a level in (0, 1)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-interval-'));
    const file = path.join(dir, 's.yaml');
    const write = (interval: number) =>
      fs.writeFileSync(
        file,
        `grid: {seed: [0]}\nexpectations:\n  - {check: 'fine.linear(cone) > fine.linear(ce)', interval: ${interval}}\n`,
      );
    write(0.9);
    expect(loadSuite(file).expectations[0]).toEqual({
      check: 'fine.linear(cone) > fine.linear(ce)',
      margin: 0,
      interval: 0.9,
    });
    write(95);
    expect(() => loadSuite(file)).toThrow(/s\.yaml: expectations\.0/);
  });
});

describe('suite names checked at load', () => {
  const check = (
    expectations: string[],
    baseline: string | null = null,
    pipeline: 'transfer' | 'longtail' = 'transfer',
  ) =>
    checkSuiteNames(
      { file: 's.yaml', expectations: expectations.map((c) => ({ check: c, margin: 0 })), baseline },
      metricNames(pipeline),
      ['ce', 'cone'],
    );

  it('accepts every metric name a cell reports, and * on the left', () => {
    expect(() =>
      check(
        [
          'fine.knn_weighted(cone) > fine.knn_weighted(ce)',
          'coarse.accuracy(*) > 90',
          'nc1(cone) > nc1(ce)',
          'in_cone_frac(cone) > 50',
        ],
        'ce',
      ),
    ).not.toThrow();
    expect(() => check(['lt.few(cone) > lt.few(ce)'], null, 'longtail')).not.toThrow();
  });

  it("accepts a tracked run's @best and @best_epoch metrics (README, trajectory.csv) in both pipelines", () => {
    for (const pipeline of ['transfer', 'longtail'] as const)
      expect(() =>
        check(['fine.linear@best(*) > 10', 'coarse.knn_weighted@best_epoch(cone) >= 1'], null, pipeline),
      ).not.toThrow();
    expect(() => check(['fine.linear@worst(*) > 10'])).toThrow(/unknown metric 'fine\.linear@worst'/);
  });

  it('refuses an unknown metric, method or baseline, one line each, with a close suggestion', () => {
    expect(() => check(['fine.lienar(cone) > 0.5'])).toThrow(
      "s.yaml: expectations.0: unknown metric 'fine.lienar' in 'fine.lienar(cone) > 0.5' (did you mean 'fine.linear'?)",
    );
    expect(() => check(['lt.overall(cone) > 50'])).toThrow(/unknown metric 'lt\.overall'/); // not measured by a transfer suite
    expect(() => check(['nc1(etf-ce) > nc1(*)'])).toThrow(
      /unknown method 'etf-ce'.*; methods of this suite: ce, cone\n.*unknown method '\*'/,
    );
    expect(() => check([], 'cee')).toThrow(
      "s.yaml: baseline: unknown method 'cee' (did you mean 'ce'?); methods of this suite: ce, cone",
    );
    expect(() => check(['zzzzzz(cone) > 0.5'])).toThrow(/unknown metric 'zzzzzz' in '[^']+'$/); // nothing close: no suggestion
  });

  it('refuses a fraction as the threshold of an accuracy or fraction, which are in percent', () => {
    expect(() => check(['coarse.accuracy(*) > 0.9'])).toThrow(
      "s.yaml: expectations.0: 'coarse.accuracy(*) > 0.9': coarse.accuracy is in percent (0-100); 0.9 looks like a fraction, write 90",
    );
    expect(() => check(['in_cone_frac(cone) >= 0.5'])).toThrow(/in_cone_frac is in percent .* write 50$/);
    expect(() => check(['nc1(cone) < 0.5', 'fine.knn(cone) > 0'])).not.toThrow();
  });

  it('prints an outcome in the unit it was compared in', () => {
    const [o] = evaluateExpectations([{ check: 'fine.linear(cone) > fine.linear(ce)', margin: 5 }], groups, 's');
    expect(formatOutcome(o)).toBe(
      'PASS fine.linear(cone) > fine.linear(ce) [mnist, method.theta=30]: 87.50% vs 75.00% (margin 5.00%)',
    );
  });
});
