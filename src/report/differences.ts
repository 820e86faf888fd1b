import type { SectionTable } from './charts/types.js';
import { groupKey, type ReportGroup } from './groups.js';
import { metricNamer } from './aggregate.js';
import type { SummaryRow } from './read-suite.js';
import { comparable, type GridPlace } from '../util/grid.js';
import { DIFFERENCE_LEVEL, differenceVerdict, tInterval } from '../util/stats.js';

/** The grid fields of a summary row (JSON); a cell that is not a JSON object places nothing (it pairs with none). */
function place(r: SummaryRow): GridPlace | null {
  if (!r.overrides || r.overrides.trim() === '') return { dataset: r.dataset, overrides: {} };
  try {
    const o = JSON.parse(r.overrides) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o)
      ? { dataset: r.dataset, overrides: o as Record<string, unknown> }
      : null;
  } catch {
    return null;
  }
}

const fmt = (x: number) => String(Number(x.toPrecision(3)));
const signed = (x: number) => (x > 0 ? '+' : '') + fmt(x);

/**
 * Every group's paired differences to the baseline's comparable group (the same pairing as
 * summary.md: util/grid.ts), per metric of summary.csv: the mean over the seeds both ran, its t
 * interval at DIFFERENCE_LEVEL (util/stats.ts says why t), the seeds of the mean's sign and the
 * verdict (higher/lower only when the interval excludes 0). null without a baseline in the rows.
 */
export function differencesTable(
  rows: SummaryRow[],
  groups: ReportGroup[],
  baseline: string | null,
): SectionTable | null {
  if (baseline === null || !rows.some((r) => r.method === baseline)) return null;
  const name = metricNamer(rows);
  // group key -> metric -> seed -> value, and where each group sits in the grid.
  const values = new Map<string, Map<string, Map<string, number>>>();
  const places = new Map<string, { method: string; place: GridPlace | null }>();
  for (const r of rows) {
    const key = groupKey(r);
    if (!places.has(key)) places.set(key, { method: r.method, place: place(r) });
    const byMetric = values.get(key) ?? new Map<string, Map<string, number>>();
    values.set(key, byMetric);
    const bySeed = byMetric.get(name(r)) ?? new Map<string, number>();
    byMetric.set(name(r), bySeed.set(r.seed, r.value));
  }
  const baselines = [...places].filter(([, p]) => p.method === baseline);
  const out: string[][] = [];
  for (const g of groups) {
    // A group of a suite still running may have no finished cell in summary.csv yet: nothing to pair.
    const known = places.get(g.key);
    if (!known) continue;
    const { method, place: at } = known;
    if (method === baseline || at === null) continue;
    const base = baselines.find(([, b]) => b.place !== null && comparable(at, b.place));
    if (!base) continue;
    const baseValues = values.get(base[0])!;
    for (const [metric, bySeed] of values.get(g.key)!) {
      const baseBySeed = baseValues.get(metric);
      if (!baseBySeed) continue;
      const d = tInterval(
        [...bySeed].filter(([seed]) => baseBySeed.has(seed)).map(([seed, v]) => v - baseBySeed.get(seed)!),
        DIFFERENCE_LEVEL,
      );
      if (!d) continue;
      out.push([
        g.label,
        metric,
        signed(d.mean),
        d.n > 1 ? `[${signed(d.low)}, ${signed(d.high)}]` : '–',
        `${d.agree}/${d.n}`,
        differenceVerdict(d),
      ]);
    }
  }
  return {
    caption: `Paired differences to ${baseline} (same seed): mean over the seeds both ran, its ${Math.round(DIFFERENCE_LEVEL * 100)}% t interval, the seeds whose difference has the mean's sign; higher/lower only when the interval excludes 0.`,
    head: [
      'group',
      'metric',
      `− ${baseline}`,
      `${Math.round(DIFFERENCE_LEVEL * 100)}% interval`,
      'seeds of its sign',
      'reading',
    ],
    rows: out,
  };
}
