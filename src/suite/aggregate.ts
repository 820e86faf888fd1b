import { meanStd, tInterval, type MeanInterval, type MeanStd } from '../util/stats.js';
import type { Cell } from './expand.js';
import { comparable, type GridPlace } from '../util/grid.js';

export interface CellResult {
  cell: Cell;
  metrics: Record<string, number>;
}

/** Cells that differ only by seed: same dataset, method and grid overrides. */
export interface Group {
  dataset: string;
  method: string;
  overrides: Record<string, unknown>;
  results: CellResult[];
}

export function overridesKey(o: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))));
}

/** A cell's or group's grid values as people read them: `method.theta=20, optimizer.lr=0.1` (empty when none). */
export function gridValuesText(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

export function groupCells(results: CellResult[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of results) {
    const { spec, overrides } = r.cell;
    const key = `${spec.dataset.name}|${spec.method.name}|${overridesKey(overrides)}`;
    if (!groups.has(key))
      groups.set(key, { dataset: spec.dataset.name, method: spec.method.name, overrides, results: [] });
    groups.get(key)!.results.push(r);
  }
  return [...groups.values()];
}

/** One metric over the seeds of a group; null when no seed measured it. */
export function metricStat(g: Group, metric: string): MeanStd | null {
  return meanStd(g.results.map((r) => r.metrics[metric] ?? NaN));
}

/** The groups of `method` comparable with `g`. */
export function matchingGroups(groups: Group[], g: GridPlace, method: string): Group[] {
  return groups.filter((x) => x.method === method && comparable(g, x));
}

/**
 * Per-seed differences `metric` of g − `baselineMetric` of baseline (the same metric unless given),
 * paired by seed, with their t interval at `level` (util/stats.ts says why t); null when no seed has both.
 */
export function pairedDifference(
  g: Group,
  baseline: Group,
  metric: string,
  level = 0.95,
  baselineMetric = metric,
): MeanInterval | null {
  const bySeed = new Map(baseline.results.map((r) => [r.cell.spec.seed, r.metrics[baselineMetric]]));
  return tInterval(
    g.results.filter((r) => bySeed.has(r.cell.spec.seed)).map((r) => r.metrics[metric] - bySeed.get(r.cell.spec.seed)!),
    level,
  );
}
