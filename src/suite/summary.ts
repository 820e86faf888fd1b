import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { writeFileAtomic } from '../io/atomic.js';
import { writeCsv, type Row } from '../io/csv.js';
import { PROBE_ROWS, probeMetric } from '../eval/probes/registry.js';
import { matchingGroups, metricStat, pairedDifference, type CellResult, type Group } from './aggregate.js';
import type { MeanStd } from '../util/stats.js';
import { formatOutcome, type ExpectationOutcome } from './expectations.js';
import type { Suite } from './schema.js';
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

export function summaryRows(suite: Suite, results: CellResult[]): Row[] {
  return results.flatMap(({ cell, metrics }) =>
    Object.entries(metrics).map(([metric, value]) => ({
      suite: suite.name,
      cell: cell.index,
      pipeline: suite.pipeline,
      dataset: cell.spec.dataset.name,
      method: cell.spec.method.name,
      seed: cell.spec.seed,
      overrides: JSON.stringify(cell.overrides),
      run_id: cell.runId,
      metric,
      value,
    })),
  );
}

const isAccuracy = (m: string) =>
  /(^|\.)(accuracy|overall|many|medium|few)$|_frac$|agree$/.test(m) ||
  PROBE_ROWS.some((r) => probeMetric(m.split('.')[0], r) === m.replace(/@best$/, ''));

function fmt(s: MeanStd | null, metric: string): string {
  if (!s) return '-';
  const { mean, std, n } = s;
  const scale = isAccuracy(metric) ? 100 : 1;
  const digits = isAccuracy(metric) ? 2 : 4;
  const v = (x: number) => (scale === 100 ? (x * 100).toFixed(digits) : x.toPrecision(digits));
  return n > 1 ? `${v(mean)} ± ${v(std)}` : v(mean);
}

function label(g: Group): string {
  const o = Object.entries(g.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return o.length ? `${g.method} (${o.join(', ')})` : g.method;
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

function differenceTable(groups: Group[], dataset: string, baseline: string): string | null {
  const gs = groups.filter((g) => g.dataset === dataset && g.method !== baseline);
  const metrics = measured(groups.filter((g) => g.dataset === dataset));
  const rows: string[][] = [];
  for (const g of gs) {
    const [base] = matchingGroups(groups, g, baseline);
    if (!base) continue;
    rows.push([label(g), ...metrics.map((m) => fmt(pairedDifference(g, base, m), m))]);
  }
  return rows.length ? markdownTable([[`method − ${baseline}`, ...metrics], ...rows]) : null;
}

export interface SummaryInput {
  suite: Suite;
  results: CellResult[];
  groups: Group[];
  baseline: string | null;
  outcomes: ExpectationOutcome[];
  failedCells: { runId: string; error: string }[];
  command: string;
}

export function writeSummary(dir: string, s: SummaryInput): { csv: string; md: string } {
  const csv = path.join(dir, SUITE_FILES.summaryCsv);
  writeCsv(csv, summaryRows(s.suite, s.results), SUMMARY_COLUMNS);
  const lines: string[] = [
    `# ${s.suite.name}`,
    '',
    `Produced by \`${s.command}\` on ${new Date().toISOString().slice(0, 10)} (${s.results.length} cells, pipeline ${s.suite.pipeline}).`,
    'Accuracies and fractions in %, mean ± sample std over seeds; geometry on the test split at the training level, L2-normalised features.',
    '',
  ];
  for (const dataset of [...new Set(s.groups.map((g) => g.dataset))]) {
    lines.push(`## ${dataset}`, '', methodTable(s.groups, dataset), '');
    const diff = s.baseline ? differenceTable(s.groups, dataset, s.baseline) : null;
    if (diff) lines.push(`Paired differences to ${s.baseline} (same seed), mean ± std:`, '', diff, '');
  }
  if (s.outcomes.length) lines.push('## Expectations', '', ...s.outcomes.map((o) => `- ${formatOutcome(o)}`), '');
  if (s.failedCells.length)
    lines.push('## Failed cells', '', ...s.failedCells.map((f) => `- ${f.runId}: ${f.error}`), '');
  const md = path.join(dir, SUITE_FILES.summaryMd);
  writeFileAtomic(md, lines.join('\n'));
  return { csv, md };
}
