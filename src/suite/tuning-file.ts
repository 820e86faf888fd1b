import path from 'node:path';
import { writeCsv, type Row } from '../io/csv.js';
import { SUITE_FILES, TUNING_COLUMNS } from '../io/run-layout.js';
import type { Tune } from './schema.js';
import { label } from './summary.js';
import type { TuningGroup } from './tune.js';

const cellText = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** `optimizer.lr:high method.scale:low`: the tuned fields chosen at an end of their range. */
export function edgeText(edges: TuningGroup['edges']): string {
  return Object.entries(edges)
    .map(([field, end]) => `${field}:${end}`)
    .join(' ');
}

/**
 * tuning.csv: one row per group, tuned value set and tune seed, with the validation score (a
 * fraction, as in metrics.csv; empty until the run is done), the value set's mean over the tune
 * seeds, whether it was chosen (empty until the group's every run is done) and, on the chosen rows,
 * the fields chosen at an end of their range.
 */
export function writeTuningCsv(dir: string, tune: Tune, groups: TuningGroup[]): string {
  const fields = Object.keys(tune.fields);
  const rows: Row[] = groups.flatMap((g) =>
    g.candidates.flatMap((c) =>
      c.trials.map((t) => ({
        group: label(g),
        dataset: g.dataset,
        method: g.method,
        grid: JSON.stringify(g.overrides),
        ...Object.fromEntries(fields.map((f) => [f, cellText(c.values[f])])),
        seed: t.seed,
        run_id: t.cell.runId,
        status: t.diverged ? 'diverged' : t.score === null ? 'pending' : 'done',
        metric: tune.metric,
        value: t.score,
        mean: c.mean,
        chosen: g.chosen ? String(g.chosen === c) : '',
        edge: g.chosen === c ? edgeText(g.edges) : '',
      })),
    ),
  );
  const file = path.join(dir, SUITE_FILES.tuningCsv);
  writeCsv(file, rows, [...TUNING_COLUMNS.lead, ...fields, ...TUNING_COLUMNS.tail]);
  return file;
}
