import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { writeCsv } from '../../src/io/csv.js';
import { aggregate } from '../../src/report/aggregate.js';
import { anglesSection } from '../../src/report/charts/angles.js';
import { geometrySection } from '../../src/report/charts/geometry.js';
import { accuracyAxis, barsWithErrors } from '../../src/report/charts/bars.js';
import { collapseSection } from '../../src/report/charts/collapse.js';
import { curvesSection } from '../../src/report/charts/curves.js';
import { groupsOf } from '../../src/report/groups.js';
import { writeReport } from '../../src/report/index.js';
import { readSuite } from '../../src/report/read-suite.js';
import { spearman } from '../../src/util/stats.js';
import { cone } from '../helpers/cli.js';
import {
  angleCounts,
  BASE,
  EPOCHS,
  METHOD_SHIFT,
  METHODS,
  SEEDS,
  SUMMARY_COLUMNS,
  THETA,
  trajectoryValue,
  writeFixtureSuite,
} from './fixture.js';

let tmp: string;
let suiteDir: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-report-'));
  suiteDir = path.join(tmp, 'suite');
  writeFixtureSuite(suiteDir);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The JSON block of a report page, parsed back. */
function chartData(html: string): {
  id: string;
  config: { type: string; data: { labels?: string[]; datasets: { label: string; data: unknown[] }[] } };
}[] {
  const m = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no chart-data block');
  return JSON.parse(m[1]);
}

describe('suite data', () => {
  it('summarises each metric as mean ± sample std over the seeds of each method', () => {
    const suite = readSuite(suiteDir);
    const { groups } = groupsOf(suite.rows);
    expect(groups.map((g) => g.label)).toEqual(['ce', 'cone']);
    const agg = aggregate(suite.rows);
    // Seeds sit at base ± 0.01, so the mean is the base and the sample std is sqrt(2 · 0.01² / 1).
    for (const [metric, base] of Object.entries(BASE)) {
      const s = agg.get(metric)!.get(groups[1].key)!;
      expect(s.n).toBe(2);
      expect(s.mean).toBeCloseTo(base + METHOD_SHIFT.cone, 12);
      expect(s.std).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    }
    // ce has no cone: its NaN in_cone_frac is "not measured", not a zero.
    expect(agg.get('in_cone_frac')!.get(groups[0].key)).toBeNull();
  });

  it('keeps grid overrides apart as separate groups', () => {
    const dir = path.join(tmp, 'grid');
    const rows = [20, 30].flatMap((theta) =>
      [0, 1].map((seed) => ({
        suite: 'grid',
        cell: `c${theta}${seed}`,
        pipeline: 'pretrain',
        dataset: 'synthetic',
        method: 'cone',
        seed,
        overrides: JSON.stringify({ 'method.theta': theta }),
        run_id: `r${theta}${seed}`,
        metric: 'fine.linear',
        value: theta / 100 + seed / 100,
      })),
    );
    writeCsv(path.join(dir, 'summary.csv'), rows, SUMMARY_COLUMNS);
    const suite = readSuite(dir);
    const { groups } = groupsOf(suite.rows);
    expect(groups.map((g) => g.label)).toEqual(['cone · method.theta=20', 'cone · method.theta=30']);
    expect(aggregate(suite.rows).get('fine.linear')!.get(groups[1].key)!.mean).toBeCloseTo(0.305, 12);
    // Run folders are absent here: said once per run, not an error.
    expect(suite.notes).toHaveLength(4);
  });

  it('keeps a metric of two pipelines apart and draws no chart for a metric nobody measured', () => {
    const dir = path.join(tmp, 'pipelines');
    const rows = ['pretrain', 'longtail'].flatMap((pipeline, p) =>
      ['nc1', 'in_cone_frac'].map((metric) => ({
        suite: 's',
        cell: pipeline,
        pipeline,
        dataset: 'synthetic',
        method: 'ce',
        seed: 0,
        overrides: '',
        run_id: `r${p}`,
        metric,
        value: metric === 'nc1' ? p + 1 : 'NaN',
      })),
    );
    writeCsv(path.join(dir, 'summary.csv'), rows, SUMMARY_COLUMNS);
    const suite = readSuite(dir);
    const { groups } = groupsOf(suite.rows);
    const agg = aggregate(suite.rows);
    expect([...agg.keys()]).toEqual([
      'nc1 (pretrain)',
      'in_cone_frac (pretrain)',
      'nc1 (longtail)',
      'in_cone_frac (longtail)',
    ]);
    expect(agg.get('nc1 (longtail)')!.get(groups[0].key)!.mean).toBe(2);
    const charts = geometrySection(agg, groups).charts;
    expect(charts.map((c) => c.config.data.labels)).toEqual([['nc1 (pretrain)'], ['nc1 (longtail)']]);
    expect(charts[0].config.options?.plugins?.subtitle?.text).toBe('tr(Σ_W Σ_B⁺)/K; low = collapsed');
  });

  it('sums angle counts over seeds, normalises them to percent of features and marks θ from spec.yaml', () => {
    const suite = readSuite(suiteDir);
    const { groupOf } = groupsOf(suite.rows);
    const [chart] = anglesSection(suite.runs, (r) => groupOf(r.cell)).charts;
    const datasets = chart.config.data.datasets as { label: string; data: { x: number; y: number }[] }[];
    expect(datasets.map((d) => d.label)).toEqual(['ce', 'cone', `θ = ${THETA}° (cone)`]);
    const cone = [angleCounts('cone', 0), angleCounts('cone', 1)];
    const total = cone.flat().reduce((a, b) => a + b, 0);
    datasets[1].data.forEach((p, i) => {
      expect(p.x).toBe(2 * i + 1);
      expect(p.y).toBeCloseTo((100 * (cone[0][i] + cone[1][i])) / total, 10);
    });
    expect(datasets[0].data.reduce((a, p) => a + p.y, 0)).toBeCloseTo(100, 10);
    expect(datasets[2].data.every((p) => p.x === THETA)).toBe(true);
  });

  it('shows collapse over training: mean ± std over seeds per epoch, and accuracy against nc1 with Spearman ρ', () => {
    const suite = readSuite(suiteDir);
    const { groupOf } = groupsOf(suite.rows);
    // Only the pretrain runs of the fixture are tracked.
    const charts = collapseSection(suite.runs, (r) => groupOf(r.cell)).charts;
    expect(charts.map((c) => c.id)).toEqual(['collapse-acc-0', 'collapse-nc1-0', 'collapse-scatter-0']);
    type Dataset = { label: string; data: { x: number; y: number }[]; fill?: unknown; hideInLegend?: boolean };
    const [acc, nc1, scatter] = charts.map((c) => c.config.data.datasets as unknown as Dataset[]);
    expect(acc.map((d) => d.label)).toEqual(['ce', 'ce + std', 'ce − std', 'cone', 'cone + std', 'cone − std']);
    expect(acc.map((d) => Boolean(d.hideInLegend))).toEqual([false, true, true, false, true, true]);
    expect(acc[1].fill).toBe('+1');
    // Accuracies in percent (src/util/units.ts).
    const std = 100 * Math.SQRT2 * 0.01;
    for (let e = 1; e <= EPOCHS; e++) {
      const mean = 100 * (0.5 + 0.05 * e + METHOD_SHIFT.cone);
      expect(acc[3].data[e - 1].x).toBe(e);
      expect(acc[3].data[e - 1].y).toBeCloseTo(mean, 10);
      expect(acc[4].data[e - 1].y).toBeCloseTo(mean + std, 10);
      expect(acc[5].data[e - 1].y).toBeCloseTo(mean - std, 10);
      // nc1 at the training level (coarse), not the fine level's constant 5.
      expect(nc1[0].data[e - 1].y).toBeCloseTo(2 / e, 12);
    }
    expect((charts[1].config.options?.scales?.y as { type: string } | undefined)?.type).toBe('logarithmic');
    const points = (method: (typeof METHODS)[number]) =>
      SEEDS.flatMap((seed) =>
        Array.from({ length: EPOCHS }, (_, i) => i + 1).map((e) => ({
          x: trajectoryValue('nc1', method, seed, e),
          y: 100 * trajectoryValue('linear', method, seed, e),
        })),
      );
    const rho = (ps: { x: number; y: number }[]) =>
      spearman(
        ps.map((p) => p.x),
        ps.map((p) => p.y),
      ).toFixed(2);
    expect(scatter.map((d) => d.label)).toEqual(
      METHODS.map((m) => `${m} (ρ = ${rho(points(m))}, n = ${SEEDS.length * EPOCHS})`),
    );
    scatter[0].data.forEach((p, i) => {
      expect(p.x).toBeCloseTo(points('ce')[i].x, 12);
      expect(p.y).toBeCloseTo(points('ce')[i].y, 10);
    });
    expect(charts[2].config.options?.plugins?.subtitle?.text).toContain(
      `Spearman ρ over all points: ${rho([...points('ce'), ...points('cone')])} (n = 12)`,
    );
  });

  it("gives the collapse charts' numbers as a table: per group and tracked epoch, mean ± std over seeds", () => {
    const suite = readSuite(suiteDir);
    const { groupOf } = groupsOf(suite.rows);
    const [table] = collapseSection(suite.runs, (r) => groupOf(r.cell)).tables ?? [];
    expect(table.head).toEqual([
      'group',
      'epoch',
      'nc1, train features',
      'nc1, test features',
      'fine linear probe, test',
      'fine kNN, test',
    ]);
    expect(table.rows).toHaveLength(METHODS.length * EPOCHS);
    const row = table.rows.find((r) => r[0] === 'cone' && r[1] === '2')!;
    // nc1 to 4 significant digits, the probes in percent.
    expect(row.slice(2)).toEqual([
      '1.5 ± 0.01414',
      '1.5 ± 0.01414',
      `${(100 * (0.5 + 0.05 * 2 + METHOD_SHIFT.cone)).toFixed(2)} ± 1.41%`,
      '50.00 ± 0.00%',
    ]);
  });

  it('draws one line per run and epoch, one pair of charts per pipeline', () => {
    const suite = readSuite(suiteDir);
    const { groupOf } = groupsOf(suite.rows);
    const charts = curvesSection(suite.runs, (r) => groupOf(r.cell)).charts;
    expect(charts.map((c) => c.config.options?.plugins?.title?.text)).toEqual([
      'pretrain: Train loss per epoch',
      'pretrain: Test accuracy per epoch (training level)',
      'longtail: Train loss per epoch',
      'longtail: Test accuracy per epoch (training level)',
    ]);
    for (const c of charts) {
      expect(c.config.data.datasets.map((d) => d.label)).toEqual(['ce s0', 'ce s1', 'cone s0', 'cone s1']);
      for (const d of c.config.data.datasets) expect(d.data).toHaveLength(EPOCHS);
    }
  });
});

describe('writeReport', () => {
  it('writes one self-contained page whose inlined data cannot break out of its script block', async () => {
    const dir = path.join(tmp, 'hostile');
    const name = 'x </script><img src=x onerror="alert(1)"> <!-- & \u2028';
    writeFixtureSuite(dir, { suiteName: name, overrides: JSON.stringify({ note: name }) });
    const file = await writeReport(dir);
    expect(file).toBe(path.join(dir, 'report.html'));
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('x &#60;/script&#62;&#60;img src=x onerror=&#34;alert(1)&#34;&#62;');
    // Every </script> closes a <script> that the page opened itself.
    expect(html.match(/<\/script/gi)!.length).toBe(html.match(/<script[\s>]/gi)!.length);
    // Nothing is fetched: no element loads a source or a stylesheet from anywhere.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\s(src|href)=/i);
    const specs = chartData(html);
    // Collapse over training first: it is the question the tool asks.
    expect(specs.map((s) => s.id)).toEqual([
      'collapse-acc-0',
      'collapse-nc1-0',
      'collapse-scatter-0',
      'acc-fine',
      'acc-coarse',
      'acc-longtail',
      'geom-0',
      'geom-1',
      'geom-2',
      'geom-3',
      'angles-0',
      'curve-loss-0',
      'curve-acc-0',
      'curve-loss-1',
      'curve-acc-1',
    ]);
    expect(specs[3].config.data.labels).toEqual(['fine.linear', 'fine.knn', 'fine.ncc']);
    // The group labels went through the JSON block and come back intact.
    expect(specs[3].config.data.datasets.map((d) => d.label)).toEqual([`ce · note=${name}`, `cone · note=${name}`]);
  });

  it('fails with one line naming summary.csv when the folder has none', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const err = await writeReport(empty).catch((e) => e);
    expect(err).toBeInstanceOf(RunError);
    expect(err.message).toContain(path.join(empty, 'summary.csv'));
    expect(err.message).not.toContain('\n');
  });

  it('refuses a summary.csv whose run_id leads out of runs/, instead of reading that folder (issue 20)', () => {
    const damaged = path.join(tmp, 'damaged');
    fs.cpSync(suiteDir, damaged, { recursive: true });
    const outside = path.join(tmp, 'outside');
    fs.cpSync(path.join(suiteDir, 'runs', fs.readdirSync(path.join(suiteDir, 'runs'))[0]), outside, {
      recursive: true,
    });
    const summary = path.join(damaged, 'summary.csv');
    const rows = fs.readFileSync(summary, 'utf8').split('\n');
    const firstRunId = rows[1].split(',')[7];
    fs.writeFileSync(summary, rows.map((l) => l.replaceAll(firstRunId, '../../outside')).join('\n'));
    expect(() => readSuite(damaged)).toThrow(RunError);
    expect(() => readSuite(damaged)).toThrow(
      `${summary}: row 1: run_id "../../outside" must be one folder name, without '/' or '\\'; the file is damaged`,
    );
  });

  it('is what `cone report` runs', () => {
    const ok = cone(['report', suiteDir]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe(path.join(suiteDir, 'report.html'));
    const missing = cone(['report', path.join(tmp, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([
      `cone: ${path.join(tmp, 'nowhere', 'summary.csv')}: no summary.csv here; give a suite folder that \`cone run\` wrote (results/<suite>/)`,
    ]);
  });
});

describe('accuracy bars', () => {
  it('start at 0 only when that hides no difference, and say where their axis starts', () => {
    expect(accuracyAxis([94.1, 95.9, 93.8, 96.2])).toEqual({ min: 92, max: 98 });
    expect(accuracyAxis([99.2, 99.9])).toEqual({ min: 98, max: 100 });
    expect(accuracyAxis([20, 90])).toBeNull(); // far apart: 0 is in range
    const rows = [0.94, 0.95, 0.96].map((v, i) => ({ metric: 'fine.linear', method: `m${i}`, value: v }));
    const agg = new Map([['fine.linear', new Map(rows.map((r) => [r.method, { mean: r.value, std: 0.005, n: 2 }]))]]);
    const groups = rows.map((r) => ({ key: r.method, label: r.method, color: '#0072B2' }));
    const chart = barsWithErrors('a', { text: 't' }, ['fine.linear'], agg, groups, 'accuracy (%)', true);
    expect(chart.config.options?.scales?.y).toMatchObject({ min: 92, max: 98 });
    expect(chart.config.options?.plugins?.subtitle?.text).toBe(
      'y axis from 92% to 98%, not from 0, so the differences show',
    );
    const bar = (chart.config.data.datasets[1].data as unknown as { y: number; yMin: number }[])[0];
    expect(bar.y).toBeCloseTo(95, 10);
    expect(bar.yMin).toBeCloseTo(94.5, 10);
  });
});
