import type { Aggregates } from '../aggregate.js';
import type { ReportGroup } from '../groups.js';
import { commonOptions, type ChartSpec } from './types.js';

/**
 * Bars of mean ± std over seeds: one bar cluster per metric, one bar per group (coloured as
 * everywhere on the page), whiskers from mean − std to mean + std.
 */
export function barsWithErrors(
  id: string,
  title: { text: string; subtitle?: string },
  metrics: string[],
  agg: Aggregates,
  groups: ReportGroup[],
  yTitle: string,
): ChartSpec {
  return {
    id,
    config: {
      type: 'barWithErrorBars',
      data: {
        labels: metrics,
        datasets: groups.map((g) => ({
          label: g.label,
          backgroundColor: `${g.color}b3`,
          borderColor: g.color,
          borderWidth: 1,
          data: metrics.map((m) => {
            const s = agg.get(m)?.get(g.key);
            // A group without this metric gets an empty slot (NaN is not drawn) so clusters stay aligned.
            return s ? { y: s.mean, yMin: s.mean - s.std, yMax: s.mean + s.std } : { y: NaN, yMin: NaN, yMax: NaN };
          }),
        })),
      },
      options: {
        ...commonOptions(title.text, title.subtitle),
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      },
    },
  };
}
