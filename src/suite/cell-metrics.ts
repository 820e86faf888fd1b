import fs from 'node:fs';
import path from 'node:path';
import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import { probeMetric } from '../eval/probes/registry.js';
import { TRAJECTORY_FILE, trajectoryBest } from '../eval/trajectory.js';
import { readCsv } from '../io/csv.js';
import type { Pipeline } from './schema.js';
import type { Cell } from './expand.js';

/** Geometry columns reported per cell (test split, training level, L2-normalised features). */
export const GEOMETRY_METRICS = GEOMETRY_COLUMNS.filter((c) => c !== 'features');

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
  const epochs = readIfExists(path.join(cell.runDir, 'metrics.csv'));
  const last = epochs[epochs.length - 1];
  if (last) out[`${level}.accuracy`] = num(last.test_accuracy);
  if (pipeline === 'transfer') {
    for (const p of readIfExists(path.join(cell.runDir, 'probe.csv'))) {
      // A probe.csv from before C was chosen per run has no C_selection: its `linear` is today's `linear-fixed`.
      const row = p.probe === 'linear' && p.C_selection === undefined ? 'linear-fixed' : p.probe;
      out[probeMetric(p.level, row)] = num(p.accuracy);
    }
    const g = readIfExists(path.join(cell.runDir, 'geometry.csv')).find((r) => r.split === 'test' && r.level === level && r.features === 'l2');
    if (g) for (const m of GEOMETRY_METRICS) out[m] = num(g[m]);
  } else {
    const lt = readIfExists(path.join(cell.runDir, 'longtail.csv'))[0];
    if (lt) for (const m of ['overall', 'many', 'medium', 'few']) out[`lt.${m}`] = num(lt[m]);
  }
  return { ...out, ...trajectoryBest(readIfExists(path.join(cell.runDir, TRAJECTORY_FILE))) };
}
