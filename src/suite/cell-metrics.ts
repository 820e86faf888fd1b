import fs from 'node:fs';
import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import { probeMetric, PROBE_ROWS } from '../eval/probes/registry.js';
import { trajectoryBest } from '../pipelines/trajectory.js';
import { readCsv } from '../io/csv.js';
import type { Pipeline } from './schema.js';
import type { Cell } from './expand.js';
import { runPath } from '../io/run-layout.js';

/** Geometry columns reported per cell (test split, training level, L2-normalised features). */
export const GEOMETRY_METRICS = GEOMETRY_COLUMNS.filter((c) => c !== 'features');

const LEVELS = ['coarse', 'fine'] as const;
const LT_BUCKETS = ['overall', 'many', 'medium', 'few'];
const accuracyMetric = (level: string) => `${level}.accuracy`;
const ltMetric = (bucket: string) => `lt.${bucket}`;

/** Every metric name a cell of a pipeline can report (a suite's expectations are checked against them). */
export function metricNames(pipeline: Pipeline): string[] {
  const accuracies = LEVELS.map(accuracyMetric);
  if (pipeline === 'longtail') return [...accuracies, ...LT_BUCKETS.map(ltMetric)];
  return [...accuracies, ...LEVELS.flatMap((l) => PROBE_ROWS.map((p) => probeMetric(l, p))), ...GEOMETRY_METRICS];
}

function num(v: string | undefined): number {
  return v === undefined || v === '' ? NaN : Number(v);
}

function readIfExists(file: string): Record<string, string>[] {
  return fs.existsSync(file) ? readCsv(file) : [];
}

/**
 * The numbers of one finished cell under the summary's metric names (see docs/design.md §6):
 * `<level>.accuracy`, `<level>.<probe>`, geometry columns, `lt.*` for long-tail cells, and for
 * tracked runs `<level>.<probe>@best` and `@best_epoch` from trajectory.csv.
 */
export function cellMetrics(cell: Cell, pipeline: Pipeline): Record<string, number> {
  const out: Record<string, number> = {};
  const level = cell.spec.dataset.level;
  const epochs = readIfExists(runPath(cell.runDir, 'metrics'));
  const last = epochs[epochs.length - 1];
  if (last) out[accuracyMetric(level)] = num(last.test_accuracy);
  if (pipeline === 'transfer') {
    for (const p of readIfExists(runPath(cell.runDir, 'probe'))) {
      // A probe.csv from before C was chosen per run has no C_selection: its `linear` is today's `linear-fixed`.
      const row = p.probe === 'linear' && p.C_selection === undefined ? 'linear-fixed' : p.probe;
      out[probeMetric(p.level, row)] = num(p.accuracy);
    }
    const g = readIfExists(runPath(cell.runDir, 'geometry')).find(
      (r) => r.split === 'test' && r.level === level && r.features === 'l2',
    );
    if (g) for (const m of GEOMETRY_METRICS) out[m] = num(g[m]);
  } else {
    const lt = readIfExists(runPath(cell.runDir, 'longtail'))[0];
    if (lt) for (const m of LT_BUCKETS) out[ltMetric(m)] = num(lt[m]);
  }
  return { ...out, ...trajectoryBest(readIfExists(runPath(cell.runDir, 'trajectory'))) };
}
