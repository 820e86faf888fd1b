import type { ReportGroup } from '../groups.js';
import { runsByPipeline, type RunFiles } from '../read-suite.js';
import { meanStd, spearman, type MeanStd } from '../../util/stats.js';
import { displayValue, formatDisplay } from '../../util/units.js';
import { commonOptions, type ChartSpec, type Section, type SectionTable } from './types.js';

/** One measured value of a run at a tracked epoch. */
interface Point {
  epoch: number;
  value: number;
}

/** A fine probe's test accuracy (percent) at each tracked epoch (trajectory.csv, test rows, fine level). */
function fineProbe(run: RunFiles, probe: string): Point[] {
  return series(run, 'fine', probe).map((p) => ({ ...p, value: displayValue(`fine.${probe}`, p.value) }));
}

const fineLinear = (run: RunFiles) => fineProbe(run, 'linear');

/** nc1 of the test features at the level the run trained on (as in summary.csv). */
function nc1(run: RunFiles): Point[] {
  return series(run, run.trainLevel, 'nc1');
}

function series(run: RunFiles, level: string, column: string, split = 'test'): Point[] {
  return (run.trajectory ?? [])
    .filter((r) => r.split === split && r.level === level && Number.isFinite(r.values[column]))
    .map((r) => ({ epoch: r.epoch, value: r.values[column] }));
}

/** Per group, the mean ± std over its runs (seeds) of one value at every epoch some run measured, in epoch order. */
function epochStats(
  runs: RunFiles[],
  groupOf: (r: RunFiles) => ReportGroup,
  value: (r: RunFiles) => Point[],
): Map<ReportGroup, { epoch: number; s: MeanStd }[]> {
  const byGroup = new Map<ReportGroup, Map<number, number[]>>();
  for (const run of runs) {
    const g = groupOf(run);
    const epochs = byGroup.get(g) ?? new Map<number, number[]>();
    for (const p of value(run)) epochs.set(p.epoch, [...(epochs.get(p.epoch) ?? []), p.value]);
    if (epochs.size > 0) byGroup.set(g, epochs);
  }
  return new Map(
    [...byGroup].map(([g, epochs]) => [
      g,
      [...epochs].sort((a, b) => a[0] - b[0]).map(([epoch, values]) => ({ epoch, s: meanStd(values)! })),
    ]),
  );
}

const BAND_ALPHA = '33';

/**
 * Mean over the seeds of each group at every tracked epoch, with a ± one sample std band: the mean
 * line, then the upper edge filled down to the lower edge ('+1'), both edges without a legend entry.
 */
function meanBandChart(
  id: string,
  title: string,
  yTitle: string,
  runs: RunFiles[],
  groupOf: (r: RunFiles) => ReportGroup,
  value: (r: RunFiles) => Point[],
): ChartSpec | null {
  const byGroup = epochStats(runs, groupOf, value);
  if (byGroup.size === 0) return null;
  let positive = true;
  const datasets = [...byGroup].flatMap(([g, stats]) => {
    if (stats.some(({ s }) => s.mean - s.std <= 0)) positive = false;
    const line = (label: string, y: (s: { mean: number; std: number }) => number) => ({
      label,
      data: stats.map(({ epoch, s }) => ({ x: epoch, y: y(s) })),
      borderColor: g.color,
    });
    return [
      { ...line(g.label, (s) => s.mean), backgroundColor: g.color, borderWidth: 2, pointRadius: 3 },
      {
        ...line(`${g.label} + std`, (s) => s.mean + s.std),
        backgroundColor: `${g.color}${BAND_ALPHA}`,
        borderWidth: 0,
        pointRadius: 0,
        fill: '+1',
        hideInLegend: true,
      },
      {
        ...line(`${g.label} − std`, (s) => s.mean - s.std),
        backgroundColor: `${g.color}${BAND_ALPHA}`,
        borderWidth: 0,
        pointRadius: 0,
        fill: false,
        hideInLegend: true,
      },
    ];
  });
  return {
    id,
    config: {
      type: 'line',
      data: { datasets },
      options: {
        ...commonOptions(title),
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          // nc1 spans orders of magnitude while features collapse: log scale whenever the band stays positive.
          y: { type: positive && yTitle === 'nc1' ? 'logarithmic' : 'linear', title: { display: true, text: yTitle } },
        },
      },
    } as ChartSpec['config'],
  };
}

const fmtRho = (rho: number) => (Number.isFinite(rho) ? rho.toFixed(2) : '–');

/** Fine linear accuracy against nc1 at every tracked epoch of every run, with Spearman's ρ per group and overall. */
function scatterChart(
  id: string,
  title: string,
  runs: RunFiles[],
  groupOf: (r: RunFiles) => ReportGroup,
): ChartSpec | null {
  const byGroup = new Map<ReportGroup, { x: number; y: number }[]>();
  for (const run of runs) {
    const acc = new Map(fineLinear(run).map((p) => [p.epoch, p.value]));
    const points = nc1(run)
      .filter((p) => acc.has(p.epoch))
      .map((p) => ({ x: p.value, y: acc.get(p.epoch)! }));
    if (points.length > 0) byGroup.set(groupOf(run), [...(byGroup.get(groupOf(run)) ?? []), ...points]);
  }
  const all = [...byGroup.values()].flat();
  if (all.length === 0) return null;
  const rho = (ps: { x: number; y: number }[]) =>
    spearman(
      ps.map((p) => p.x),
      ps.map((p) => p.y),
    );
  const datasets = [...byGroup].map(([g, ps]) => ({
    label: `${g.label} (ρ = ${fmtRho(rho(ps))}, n = ${ps.length})`,
    data: ps,
    borderColor: g.color,
    backgroundColor: g.color,
    pointRadius: 4,
  }));
  return {
    id,
    config: {
      type: 'scatter',
      data: { datasets },
      options: {
        ...commonOptions(
          title,
          `Spearman ρ over all points: ${fmtRho(rho(all))} (n = ${all.length}); ρ < 0: the more collapsed, the better the transfer`,
        ),
        scales: {
          x: {
            type: all.every((p) => p.x > 0) ? 'logarithmic' : 'linear',
            title: { display: true, text: 'nc1 (test features, training level)' },
          },
          y: { title: { display: true, text: 'fine linear probe accuracy (%)' } },
        },
      },
    } as ChartSpec['config'],
  };
}

/**
 * "Collapse over training", from the runs' trajectory.csv: per method (and grid value), the fine
 * linear probe's accuracy and nc1 against epoch (mean ± std over seeds), and the two against each
 * other at every tracked epoch of every run. One set of charts per pipeline.
 */
export function collapseSection(runs: RunFiles[], groupOf: (r: RunFiles) => ReportGroup): Section {
  const pipelines = runsByPipeline(runs.filter((r) => r.trajectory && r.trajectory.length > 0));
  const charts = [...pipelines].flatMap(([pipeline, pipelineRuns], i) => {
    const prefix = pipelines.size > 1 ? `${pipeline}: ` : '';
    return [
      meanBandChart(
        `collapse-acc-${i}`,
        `${prefix}Fine linear probe accuracy per tracked epoch`,
        'fine linear probe accuracy (%)',
        pipelineRuns,
        groupOf,
        fineLinear,
      ),
      meanBandChart(
        `collapse-nc1-${i}`,
        `${prefix}nc1 per tracked epoch (test features, training level)`,
        'nc1',
        pipelineRuns,
        groupOf,
        nc1,
      ),
      scatterChart(
        `collapse-scatter-${i}`,
        `${prefix}Fine linear accuracy against nc1 (every tracked epoch of every run)`,
        pipelineRuns,
        groupOf,
      ),
    ].filter((c): c is ChartSpec => c !== null);
  });
  const tables = [...pipelines].map(([pipeline, pipelineRuns]) =>
    collapseTable(pipelines.size > 1 ? `${pipeline}: ` : '', pipelineRuns, groupOf),
  );
  return {
    title: 'Collapse over training',
    intro:
      'From trajectory.csv of runs with spec `track`: fixed subsets of train and test measured every few epochs. ' +
      'Lines are means over seeds with a ± one std band; collapse shows as nc1 falling, and the first chart shows what it does to fine-grained transfer. ' +
      "The scatter pools every tracked epoch of every run (points of one run are not independent), with Spearman's ρ per method and overall. " +
      'The table gives the numbers behind the lines, with nc1 of the training features (the subset the run trains on) beside that of the test features.',
    charts,
    tables,
  };
}

/** The columns of the collapse table: what is collapsing (nc1, training level) and what transfers (fine probes, test). */
const TABLE_COLUMNS: { title: string; metric: string; value: (r: RunFiles) => Point[] }[] = [
  { title: 'nc1, train features', metric: 'nc1', value: (r) => series(r, r.trainLevel, 'nc1', 'train') },
  { title: 'nc1, test features', metric: 'nc1', value: nc1 },
  { title: 'fine linear probe, test', metric: 'fine.linear', value: fineLinear },
  { title: 'fine kNN, test', metric: 'fine.knn', value: (r) => fineProbe(r, 'knn') },
];

/** The charts' numbers: one row per group and tracked epoch, mean ± std over the seeds. */
function collapseTable(prefix: string, runs: RunFiles[], groupOf: (r: RunFiles) => ReportGroup): SectionTable {
  const columns = TABLE_COLUMNS.map((c) => ({ metric: c.metric, stats: epochStats(runs, groupOf, c.value) }));
  const groups = [...new Set(columns.flatMap((c) => [...c.stats.keys()]))];
  const rows = groups.flatMap((g) => {
    const epochs = [...new Set(columns.flatMap((c) => (c.stats.get(g) ?? []).map((e) => e.epoch)))].sort(
      (a, b) => a - b,
    );
    return epochs.map((epoch) => [
      g.label,
      String(epoch),
      ...columns.map((c) => {
        const e = (c.stats.get(g) ?? []).find((x) => x.epoch === epoch);
        return e ? formatDisplay(c.metric, e.s.mean, e.s.n > 1 ? e.s.std : undefined) : '–';
      }),
    ]);
  });
  return {
    caption: `${prefix}mean ± std over seeds per tracked epoch`,
    head: ['group', 'epoch', ...TABLE_COLUMNS.map((c) => c.title)],
    rows,
  };
}
