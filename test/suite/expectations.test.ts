import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/config/load.js';
import { groupCells, metricStat, pairedDifference, type CellResult } from '../../src/suite/aggregate.js';
import { metricNames } from '../../src/suite/cell-metrics.js';
import { checkSuiteNames, evaluateExpectations, parseExpectation } from '../../src/suite/expectations.js';

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
    expect(parseExpectation({ check: 'coarse.accuracy(*) >= 0.9', margin: 0 }, 's').right).toBe(0.9);
    // Trajectory metrics (trajectory.csv of tracked runs).
    expect(parseExpectation({ check: 'fine.linear@best(cone) > fine.linear@best(ce)', margin: 0 }, 's')).toMatchObject({
      metric: 'fine.linear@best',
      right: { metric: 'fine.linear@best', method: 'ce' },
    });
    expect(() => parseExpectation({ check: 'cone beats ce', margin: 0 }, 'suite.yaml')).toThrow(
      /suite\.yaml: expectation 'cone beats ce' is not of the form/,
    );
  });

  it('checks seed means, with a margin, in every group of the left method', () => {
    const out = evaluateExpectations(
      [
        { check: 'fine.linear(cone) > fine.linear(ce)', margin: 0 },
        { check: 'fine.linear(cone) > fine.linear(ce)', margin: 0.2 },
        { check: 'nc1(ce) < nc1(cone)', margin: 0 },
        { check: 'fine.linear(*) > 0.72', margin: 0 },
        { check: 'fine.knn(cone) > 0.5', margin: 0 },
      ],
      groups,
      's',
    );
    expect(out.map((o) => o.pass)).toEqual([true, false, true, true, true, false]);
    expect(out[0].left).toBeCloseTo(0.875, 12);
    expect(out[0].right).toBeCloseTo(0.75, 12);
    expect(out[5].detail).toMatch(/fine\.knn was not measured/);
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
          'coarse.accuracy(*) > 0.9',
          'nc1(cone) > nc1(ce)',
          'in_cone_frac(cone) > 0.5',
        ],
        'ce',
      ),
    ).not.toThrow();
    expect(() => check(['lt.few(cone) > lt.few(ce)'], null, 'longtail')).not.toThrow();
  });

  it('refuses an unknown metric, method or baseline, one line each, with a close suggestion', () => {
    expect(() => check(['fine.lienar(cone) > 0.5'])).toThrow(
      "s.yaml: expectations.0: unknown metric 'fine.lienar' in 'fine.lienar(cone) > 0.5' (did you mean 'fine.linear'?)",
    );
    expect(() => check(['lt.overall(cone) > 0.5'])).toThrow(/unknown metric 'lt\.overall'/); // not measured by a transfer suite
    expect(() => check(['nc1(etf-ce) > nc1(*)'])).toThrow(
      /unknown method 'etf-ce'.*; methods of this suite: ce, cone\n.*unknown method '\*'/,
    );
    expect(() => check([], 'cee')).toThrow(
      "s.yaml: baseline: unknown method 'cee' (did you mean 'ce'?); methods of this suite: ce, cone",
    );
    expect(() => check(['zzzzzz(cone) > 0.5'])).toThrow(/unknown metric 'zzzzzz' in '[^']+'$/); // nothing close: no suggestion
  });
});
