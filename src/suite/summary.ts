import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { writeFileAtomic } from '../io/atomic.js';
import { writeCsv, type Row } from '../io/csv.js';
import { PROBE_ROWS, probeMetric } from '../eval/probes/registry.js';
import {
  gridValuesText,
  matchingGroups,
  metricStat,
  pairedDifference,
  type CellResult,
  type Group,
} from './aggregate.js';
import { DIFFERENCE_LEVEL, differenceVerdict, type MeanInterval, type MeanStd } from '../util/stats.js';
import { displayValue, formatMetric, formatNumber } from '../util/units.js';
import { formatOutcome, type ExpectationOutcome } from './expectations.js';
import type { Suite, Tune } from './schema.js';
import type { TuningGroup } from './tune.js';
import { SUITE_FILES, SUMMARY_COLUMNS } from '../io/run-layout.js';

/** Metrics shown in summary.md and at the end of `cone run`, in this order, when measured. */
export const HEADLINE_METRICS = [
  'coarse.accuracy',
  'fine.accuracy',
  ...PROBE_ROWS.map((r) => probeMetric('fine', r)),
  'fine.linear@best',
  'fine.linear@best_epoch',
  'nc1',
  'nc1_ratio',
  'nc2_etf_err',
  'nc3_dual_err',
  'angle_dir_mean',
  'angle_mean_mean',
  'in_cone_frac',
  'lt.overall',
  'lt.many',
  'lt.medium',
  'lt.few',
];

/**
 * The grid fields of summary.csv's own columns (besides dataset, method and seed), in grid order:
 * each named by its spec path (`method.theta`), or `grid:<path>` where that is a fixed column's name.
 */
export function gridColumns(suite: Suite, results: CellResult[]): { key: string; column: string }[] {
  return Object.keys(suite.grid)
    .filter((key) => results.some((r) => key in r.cell.overrides))
    .map((key) => ({ key, column: SUMMARY_COLUMNS.includes(key as never) ? `grid:${key}` : key }));
}

/**
 * One row per cell and metric (long format), each grid field in its own column: empty where the
 * cell's method does not have it (θ for ce), a scalar as itself, anything else as JSON.
 */
export function summaryRows(suite: Suite, results: CellResult[]): Row[] {
  const grid = gridColumns(suite, results);
  return results.flatMap(({ cell, metrics }) => {
    const gridValues = Object.fromEntries(
      grid.map(({ key, column }) => {
        const v = cell.overrides[key];
        return [column, v === undefined || v === null || typeof v !== 'object' ? v : JSON.stringify(v)];
      }),
    );
    return Object.entries(metrics).map(([metric, value]) => ({
      suite: suite.name,
      cell: cell.index,
      pipeline: suite.pipeline,
      dataset: cell.spec.dataset.name,
      method: cell.spec.method.name,
      seed: cell.spec.seed,
      ...gridValues,
      overrides: JSON.stringify(cell.overrides),
      run_id: cell.runId,
      metric,
      value,
    }));
  });
}

/** summary.csv's columns: the fixed ones with the grid fields after `seed`. */
function summaryColumns(suite: Suite, results: CellResult[]): string[] {
  const at = SUMMARY_COLUMNS.indexOf('seed') + 1;
  return [
    ...SUMMARY_COLUMNS.slice(0, at),
    ...gridColumns(suite, results).map((g) => g.column),
    ...SUMMARY_COLUMNS.slice(at),
  ];
}

function fmt(s: MeanStd | null, metric: string): string {
  return s ? formatMetric(metric, s.mean, s.n > 1 ? s.std : undefined) : '-';
}

/** `+0.63 [−0.41, +1.67] 2/3` (points, for accuracies): mean difference, its t interval, seeds of its sign / seeds. */
function fmtDifference(d: MeanInterval | null, metric: string): string {
  if (!d) return '-';
  const signed = (x: number) => (x > 0 ? '+' : '') + formatNumber(metric, displayValue(metric, x));
  return d.n > 1
    ? `${signed(d.mean)} [${signed(d.low)}, ${signed(d.high)}] ${d.agree}/${d.n}`
    : `${signed(d.mean)} 1/1`;
}

/** A group as people read it: `cone (method.theta=30)`. */
export function label(g: Pick<Group, 'method' | 'overrides'>): string {
  const values = gridValuesText(g.overrides);
  return values ? `${g.method} (${values})` : g.method;
}

/** The short list printed at the end of `cone run`. */
export const CONSOLE_METRICS = [
  'coarse.accuracy',
  'fine.accuracy',
  'fine.linear',
  'fine.knn',
  'nc1',
  'angle_dir_mean',
  'in_cone_frac',
  'lt.overall',
  'lt.many',
  'lt.medium',
  'lt.few',
];

/** Metrics of a list that any group measured. */
export function measured(groups: Group[], list = HEADLINE_METRICS): string[] {
  return list.filter((m) => groups.some((g) => metricStat(g, m) !== null));
}

/** One table per dataset: methods (and grid values) by metric, mean ± std over seeds. */
export function methodTable(groups: Group[], dataset: string, list = HEADLINE_METRICS): string {
  const gs = groups.filter((g) => g.dataset === dataset);
  const metrics = measured(gs, list);
  const rows = gs.map((g) => [label(g), String(g.results.length), ...metrics.map((m) => fmt(metricStat(g, m), m))]);
  return markdownTable([['method', 'seeds', ...metrics], ...rows]);
}

/** The paired differences g − baseline of each compared group of a dataset, by metric. */
function differences(
  groups: Group[],
  dataset: string,
  baseline: string,
  metrics: string[],
): { group: Group; byMetric: (MeanInterval | null)[] }[] {
  return groups
    .filter((g) => g.dataset === dataset && g.method !== baseline)
    .flatMap((g) => {
      const [base] = matchingGroups(groups, g, baseline);
      return base ? [{ group: g, byMetric: metrics.map((m) => pairedDifference(g, base, m, DIFFERENCE_LEVEL)) }] : [];
    });
}

/** Methods by metric: mean paired difference to the baseline, its 95% t interval, and the seeds of its sign. */
export function differenceTable(
  groups: Group[],
  dataset: string,
  baseline: string,
  list = HEADLINE_METRICS,
): string | null {
  const metrics = measured(
    groups.filter((g) => g.dataset === dataset),
    list,
  );
  const rows = differences(groups, dataset, baseline, metrics).map(({ group, byMetric }) => [
    label(group),
    ...byMetric.map((d, i) => fmtDifference(d, metrics[i])),
  ]);
  return rows.length ? markdownTable([[`method − ${baseline}`, ...metrics], ...rows]) : null;
}

/**
 * One line per compared group, naming the metrics by `differenceVerdict`, e.g.
 * `cone − ce: higher: fine.knn; lower: nc1; no clear difference (interval contains 0): fine.linear`.
 */
export function differenceVerdicts(
  groups: Group[],
  dataset: string,
  baseline: string,
  list = HEADLINE_METRICS,
): string[] {
  const metrics = measured(
    groups.filter((g) => g.dataset === dataset),
    list,
  );
  const words = {
    higher: 'higher',
    lower: 'lower',
    'no clear difference': 'no clear difference (interval contains 0)',
    'one seed': 'one seed, no interval',
  };
  return differences(groups, dataset, baseline, metrics).map(({ group, byMetric }) => {
    const by = new Map<string, string[]>();
    byMetric.forEach((d, i) => {
      if (d) by.set(differenceVerdict(d), [...(by.get(differenceVerdict(d)) ?? []), metrics[i]]);
    });
    const parts = (Object.keys(words) as (keyof typeof words)[])
      .filter((w) => by.has(w))
      .map((w) => `${words[w]}: ${by.get(w)!.join(', ')}`);
    return `${label(group)} − ${baseline}: ${parts.join('; ')}`;
  });
}

export interface SummaryInput {
  suite: Suite;
  results: CellResult[];
  groups: Group[];
  baseline: string | null;
  outcomes: ExpectationOutcome[];
  failedCells: { runId: string; error: string }[];
  command: string;
  /** While the suite runs: how many of its cells are done (expectations are checked at the end). */
  inProgress?: { done: number; cells: number };
  /** The suite's tuning (`tune:`), group by group. */
  tuning?: TuningGroup[];
  /** Cells the tuning has made known that no Slurm submission has run yet (suite/run-suite.ts). */
  unsubmitted?: number;
}

const valueText = (v: unknown) => JSON.stringify(v);

/** summary.md's tuning section: what each group chose, from which values, and choices on the edge of their range. */
export function tuningSection(tune: Tune, groups: TuningGroup[]): string[] {
  const fields = Object.keys(tune.fields);
  const rows = groups.map((g) => [
    label(g),
    ...fields.map((f) => {
      if (!(f in g.ranges)) return '-';
      const tried = `[${g.ranges[f].map(valueText).join(', ')}]`;
      if (!g.chosen) return `tuning: ${tried}`;
      const edge = g.edges[f] ? ` **${g.edges[f] === 'high' ? 'highest' : 'lowest'} tried**` : '';
      return `${valueText(g.chosen.values[f])} of ${tried}${edge}`;
    }),
    g.chosen ? formatMetric(tune.metric, g.chosen.mean) : '-',
  ]);
  const edges = groups.filter((g) => Object.keys(g.edges).length);
  return [
    '## Tuning',
    '',
    `Chosen per group on a validation split of ${100 * tune.validation}% of the training images (stratified by class, seeded by the tune seed; the test split is not used), by ${tune.metric} after ${tune.epochs ?? "the cells' own"} epochs, mean over tune seeds ${tune.seeds.join(', ')} (${tune.metric.endsWith('accuracy') ? 'highest' : 'lowest'} wins; a tie goes to the better validation ${tune.metric.endsWith('accuracy') ? 'loss' : 'accuracy'}, then to the value set listed first; one with a diverged run, whose loss stopped being finite, scores NaN and loses). Every run's score: tuning.csv.`,
    '',
    markdownTable([['group', ...fields, `${tune.metric} (chosen)`], ...rows]),
    '',
    ...edges.map(
      (g) =>
        `- **On the edge of its range**: ${label(g)}: ${Object.entries(g.edges)
          .map(
            ([f, end]) =>
              `${f} = ${valueText(g.chosen!.values[f])} is the ${end === 'high' ? 'highest' : 'lowest'} value tried`,
          )
          .join('; ')}; the best may lie beyond it: widen the range.`,
    ),
    ...(edges.length ? [''] : []),
  ];
}

export function writeSummary(dir: string, s: SummaryInput): { csv: string; md: string } {
  const csv = path.join(dir, SUITE_FILES.summaryCsv);
  writeCsv(csv, summaryRows(s.suite, s.results), summaryColumns(s.suite, s.results));
  const lines: string[] = [
    `# ${s.suite.name}`,
    '',
    `Produced by \`${s.command}\` on ${new Date().toISOString().slice(0, 10)} (${s.results.length} cells, pipeline ${s.suite.pipeline}).`,
    'Accuracies and fractions in % (expectations too), mean ± sample std over seeds; geometry on the test split at the training level, L2-normalised features.',
    '',
  ];
  if (s.inProgress)
    lines.push(
      `**In progress**: ${s.inProgress.done} of ${s.inProgress.cells} cells done; rewritten as cells finish, expectations checked at the end.`,
      '',
    );
  if (s.unsubmitted)
    lines.push(
      `**Not submitted yet**: ${s.unsubmitted} cells, with the values the tuning chose; run \`cone run ${s.suite.file} --launcher slurm\` again to submit them.`,
      '',
    );
  // First: the cells below ran with the values it chose.
  if (s.suite.tune && s.tuning) lines.push(...tuningSection(s.suite.tune, s.tuning));
  for (const dataset of [...new Set(s.groups.map((g) => g.dataset))]) {
    lines.push(`## ${dataset}`, '', methodTable(s.groups, dataset), '');
    const diff = s.baseline ? differenceTable(s.groups, dataset, s.baseline) : null;
    if (diff && s.baseline)
      lines.push(
        `Paired differences to ${s.baseline} (same seed): mean [95% t interval over seeds] and the seeds whose difference has the mean's sign / seeds paired. An interval that contains 0 is no difference these seeds can tell.`,
        '',
        diff,
        '',
        ...differenceVerdicts(s.groups, dataset, s.baseline).map((l) => `- ${l}`),
        '',
      );
  }
  if (s.outcomes.length) lines.push('## Expectations', '', ...s.outcomes.map((o) => `- ${formatOutcome(o)}`), '');
  if (s.failedCells.length)
    lines.push('## Failed cells', '', ...s.failedCells.map((f) => `- ${f.runId}: ${f.error}`), '');
  const md = path.join(dir, SUITE_FILES.summaryMd);
  writeFileAtomic(md, lines.join('\n'));
  return { csv, md };
}
