import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import { probeMetric, PROBE_ROWS } from '../eval/probes/registry.js';
import { trajectoryBest } from '../pipelines/trajectory.js';
import { probeRowName, readRunCsv } from '../pipelines/run-files.js';
import type { Pipeline } from './schema.js';
import type { Cell } from './expand.js';
import type { RunContext } from '../pipelines/run-files.js';

/** Geometry columns reported per cell (test split, training level, L2-normalised features). */
export const GEOMETRY_METRICS = GEOMETRY_COLUMNS.filter((c) => c !== 'features');

const LEVELS = ['coarse', 'fine'] as const;
const LT_BUCKETS = ['overall', 'many', 'medium', 'few'];
const accuracyMetric = (level: string) => `${level}.accuracy`;
const ltMetric = (bucket: string) => `lt.${bucket}`;

/** The run a cell of a pipeline is: its spec and run kind. */
export function cellRun(cell: Cell, pipeline: Pipeline): RunContext {
  return { spec: cell.spec, kind: pipeline === 'longtail' ? 'longtail' : 'pretrain' };
}

/**
 * Every metric name a cell of a pipeline can report (a suite's expectations are checked against
 * them); a tracked run of either pipeline adds trajectoryBest's `@best` and `@best_epoch`.
 */
export function metricNames(pipeline: Pipeline): string[] {
  const accuracies = LEVELS.map(accuracyMetric);
  const probes = LEVELS.flatMap((l) => PROBE_ROWS.map((p) => probeMetric(l, p)));
  const best = probes.flatMap((m) => [`${m}@best`, `${m}@best_epoch`]);
  if (pipeline === 'longtail') return [...accuracies, ...LT_BUCKETS.map(ltMetric), ...best];
  return [...accuracies, ...probes, ...GEOMETRY_METRICS, ...best];
}

function num(v: string | undefined): number {
  return v === undefined || v === '' ? NaN : Number(v);
}

/**
 * The numbers of one finished cell under the summary's metric names (see docs/design.md §6):
 * `<level>.accuracy`, `<level>.<probe>`, geometry columns, `lt.*` for long-tail cells, and for
 * tracked runs `<level>.<probe>@best` and `@best_epoch` from trajectory.csv. The files are read
 * through their validity checks (pipelines/run-files.ts): a cell is done only when they pass.
 */
export function cellMetrics(cell: Cell, pipeline: Pipeline): Record<string, number> {
  const out: Record<string, number> = {};
  const run = cellRun(cell, pipeline);
  const level = cell.spec.dataset.level;
  const epochs = readRunCsv(cell.runDir, 'metrics', run);
  out[accuracyMetric(level)] = num(epochs[epochs.length - 1].test_accuracy);
  if (pipeline === 'transfer') {
    for (const p of readRunCsv(cell.runDir, 'probe', run)) out[probeMetric(p.level, probeRowName(p))] = num(p.accuracy);
    const g = readRunCsv(cell.runDir, 'geometry', run).find(
      (r) => r.split === 'test' && r.level === level && r.features === 'l2',
    )!;
    for (const m of GEOMETRY_METRICS) out[m] = num(g[m]);
  } else {
    const lt = readRunCsv(cell.runDir, 'longtail', run)[0];
    for (const m of LT_BUCKETS) out[ltMetric(m)] = num(lt[m]);
  }
  if (cell.spec.track.every === 0) return out;
  return { ...out, ...trajectoryBest(readRunCsv(cell.runDir, 'trajectory', run)) };
}
