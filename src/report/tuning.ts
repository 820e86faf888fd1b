import fs from 'node:fs';
import path from 'node:path';
import { RunError } from '../errors.js';
import { readCsv } from '../io/csv.js';
import { SUITE_FILES, TUNING_COLUMNS } from '../io/run-layout.js';
import { formatMetric } from '../util/units.js';
import type { SectionTable } from './charts/types.js';

const FIXED: readonly string[] = [...TUNING_COLUMNS.lead, ...TUNING_COLUMNS.tail];
const END_WORD = { high: 'highest tried', low: 'lowest tried' } as const;

/** tuning.csv's rows once checked: its columns, and numbers and flags where the suite writes them. */
function readTuning(file: string): { rows: Record<string, string>[]; fields: string[] } {
  const rows = readCsv(file);
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const missing = FIXED.find((c) => !columns.includes(c));
  if (missing) throw new RunError(`no ${missing} column`);
  const bad = rows.findIndex(
    (r) =>
      !['true', 'false', ''].includes(r.chosen) ||
      [r.value, r.mean].some((x) => x !== '' && Number.isNaN(Number(x)) && x !== 'NaN'),
  );
  if (bad >= 0) throw new RunError(`row ${bad + 1}: chosen, value or mean is not what the suite writes`);
  return { rows, fields: columns.filter((c) => !FIXED.includes(c)) };
}

/**
 * The report's tuning table (suites with `tune:`), from tuning.csv: per group, the value chosen for
 * each tuned field out of the values tried, a choice at an end of its range marked, and its score.
 * null when the suite tuned nothing; a damaged tuning.csv is a note, not the report's failure.
 */
export function tuningTable(suiteDir: string, notes: string[]): SectionTable | null {
  const file = path.join(suiteDir, SUITE_FILES.tuningCsv);
  if (!fs.existsSync(file)) return null;
  let read: ReturnType<typeof readTuning>;
  try {
    read = readTuning(file);
  } catch (e) {
    notes.push(`${file}: tuning not shown (${(e as Error).message})`);
    return null;
  }
  const { rows, fields } = read;
  const groups = [...new Set(rows.map((r) => r.group))];
  const metric = rows[0]?.metric ?? '';
  return {
    caption: `Values chosen per group on a validation split of the training images (the test split is not used), by ${metric}, mean over the tune seeds; every run's score is in tuning.csv. A choice at an end of its range says: widen the range.`,
    head: ['group', ...fields, `${metric} (chosen)`],
    rows: groups.map((group) => {
      const mine = rows.filter((r) => r.group === group);
      const chosen = mine.find((r) => r.chosen === 'true');
      const edges = new Map(
        (chosen?.edge ?? '')
          .split(' ')
          .filter(Boolean)
          .map((e) => [e.slice(0, e.lastIndexOf(':')), e.slice(e.lastIndexOf(':') + 1)]),
      );
      const cells = fields.map((f) => {
        const tried = [...new Set(mine.map((r) => r[f]).filter((v) => v !== ''))];
        if (!tried.length) return '–';
        const end = END_WORD[edges.get(f) as keyof typeof END_WORD];
        return chosen
          ? `${chosen[f]} of [${tried.join(', ')}]${end ? ` (${end})` : ''}`
          : `tuning: [${tried.join(', ')}]`;
      });
      return [group, ...cells, chosen ? formatMetric(metric, Number(chosen.mean)) : 'not finished'];
    }),
  };
}
