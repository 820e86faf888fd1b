import type { Aggregates } from '../aggregate.js';
import type { ReportGroup } from '../groups.js';
import { displayValue } from '../../util/units.js';
import { commonOptions, type ChartSpec } from './types.js';

/**
 * The y range of accuracy bars (percent): from 0 when the bars' whiskers reach down to a third of
 * the highest, otherwise cut to a margin of half the whiskers' span on either side (at least 1 point),
 * so differences of a point among bars near 95% are visible. null: start at 0.
 */
export function accuracyAxis(values: number[]): { min: number; max: number } | null {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return null;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (lo <= hi / 3) return null;
  const pad = Math.max(1, (hi - lo) / 2);
  return { min: Math.max(0, Math.floor(lo - pad)), max: Math.min(100, Math.ceil(hi + pad)) };
}

/**
 * Bars of mean ± std over seeds: one bar cluster per metric, one bar per group (coloured as
 * everywhere on the page), whiskers from mean − std to mean + std, in display units (percent for
 * accuracies and fractions). With `zoom`, the y axis is cut to the bars' range (accuracyAxis) and
 * the subtitle says where it starts.
 */
export function barsWithErrors(
  id: string,
  title: { text: string; subtitle?: string },
  metrics: string[],
  agg: Aggregates,
  groups: ReportGroup[],
  yTitle: string,
  zoom = false,
): ChartSpec {
  const datasets = groups.map((g) => ({
    label: g.label,
    backgroundColor: `${g.color}b3`,
    borderColor: g.color,
    borderWidth: 1,
    data: metrics.map((m) => {
      const s = agg.get(m)?.get(g.key);
      if (!s) return { y: NaN, yMin: NaN, yMax: NaN }; // an empty slot keeps the clusters aligned
      const [y, yMin, yMax] = [s.mean, s.mean - s.std, s.mean + s.std].map((v) => displayValue(m, v));
      return { y, yMin, yMax };
    }),
  }));
  const axis = zoom ? accuracyAxis(datasets.flatMap((d) => d.data.flatMap((b) => [b.yMin, b.yMax]))) : null;
  const subtitle = [
    title.subtitle,
    axis && `y axis from ${axis.min}% to ${axis.max}%, not from 0, so the differences show`,
  ].filter(Boolean);
  return {
    id,
    config: {
      type: 'barWithErrorBars',
      data: { labels: metrics, datasets },
      options: {
        ...commonOptions(title.text, subtitle.join('; ')),
        scales: {
          y: axis
            ? { min: axis.min, max: axis.max, title: { display: true, text: yTitle } }
            : { beginAtZero: true, title: { display: true, text: yTitle } },
        },
      },
    },
  };
}
