import { groupKey } from './groups.js';
import type { SummaryRow } from './read-suite.js';
import { meanStd, type MeanStd } from '../util/stats.js';

/** metric -> group key -> mean ± std over the seeds of that group. */
export type Aggregates = Map<string, Map<string, MeanStd | null>>;

/** The name a row's metric goes by in the report: `<metric> (<pipeline>)` when several pipelines report it. */
export function metricNamer(rows: SummaryRow[]): (r: SummaryRow) => string {
  const pipelines = new Map<string, Set<string>>();
  for (const r of rows) pipelines.set(r.metric, (pipelines.get(r.metric) ?? new Set()).add(r.pipeline));
  return (r) => (pipelines.get(r.metric)!.size > 1 ? `${r.metric} (${r.pipeline})` : r.metric);
}

/**
 * Every metric of summary.csv, in first-seen order, summarised over seeds per group. A metric that
 * several pipelines report (e.g. geometry of pretrain and of long-tail cells) is kept apart per
 * pipeline, as `<metric> (<pipeline>)`: their runs are trained on different data.
 */
export function aggregate(rows: SummaryRow[]): Aggregates {
  const metricName = metricNamer(rows);
  const values = new Map<string, Map<string, number[]>>();
  for (const r of rows) {
    const name = metricName(r);
    const byGroup = values.get(name) ?? new Map<string, number[]>();
    values.set(name, byGroup);
    const key = groupKey(r);
    byGroup.set(key, [...(byGroup.get(key) ?? []), r.value]);
  }
  return new Map(
    [...values].map(([metric, byGroup]) => [metric, new Map([...byGroup].map(([k, v]) => [k, meanStd(v)]))]),
  );
}

/** Metrics with a value for at least one group (an all-NaN metric, e.g. in_cone_frac of a ce-only suite, gets no chart). */
export function measuredMetrics(agg: Aggregates): string[] {
  return [...agg].filter(([, byGroup]) => [...byGroup.values()].some((s) => s !== null)).map(([m]) => m);
}
