import type { SummaryRow } from './read-suite.js';

/**
 * A group as report.html shows it: the runs that differ only by seed (one dataset, method and set
 * of grid overrides), named and coloured alike in every chart. (suite/aggregate.ts's `Group` holds
 * the same runs' metrics, for summary.md and the expectations.)
 */
export interface ReportGroup {
  key: string;
  label: string;
  color: string;
}

/**
 * Okabe–Ito colours (distinguishable with colour-vision deficiencies), minus its yellow, which is
 * unreadable on white; groups beyond the palette reuse it in order.
 */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

type CellKey = Pick<SummaryRow, 'dataset' | 'method' | 'overrides'>;

function overridesLabel(overrides: string): string {
  if (!overrides || overrides.trim() === '' || overrides.trim() === '{}') return '';
  try {
    const parsed = JSON.parse(overrides) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.entries(parsed)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ');
    }
  } catch {
    // Not JSON: show the cell as written.
  }
  return overrides;
}

export function groupKey(c: CellKey): string {
  return JSON.stringify([c.dataset, c.method, overridesLabel(c.overrides)]);
}

/** Groups in the order summary.csv first names them, each with a colour used by every chart of the page. */
export function groupsOf(rows: SummaryRow[]): { groups: ReportGroup[]; groupOf: (c: CellKey) => ReportGroup } {
  const manyDatasets = new Set(rows.map((r) => r.dataset)).size > 1;
  const byKey = new Map<string, ReportGroup>();
  for (const r of rows) {
    const key = groupKey(r);
    if (byKey.has(key)) continue;
    const parts = [manyDatasets ? r.dataset : '', r.method, overridesLabel(r.overrides)].filter(Boolean);
    byKey.set(key, { key, label: parts.join(' · '), color: PALETTE[byKey.size % PALETTE.length] });
  }
  return {
    groups: [...byKey.values()],
    groupOf: (c) => {
      const g = byKey.get(groupKey(c));
      if (!g) throw new Error(`no group for ${groupKey(c)}`);
      return g;
    },
  };
}
