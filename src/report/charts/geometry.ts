import { measuredMetrics, type Aggregates } from '../aggregate.js';
import type { ReportGroup } from '../groups.js';
import { isAccuracyMetric, isEpochMetric } from './accuracy.js';
import { barsWithErrors } from './bars.js';
import { unitSuffix } from '../../util/units.js';
import type { Section } from './types.js';

/** What each geometry column of summary.csv measures (src/eval/geometry.ts), for chart subtitles. */
const MEANING: Record<string, string> = {
  nc1: 'tr(Σ_W Σ_B⁺)/K; low = collapsed',
  nc1_ratio: 'tr Σ_W / tr Σ_B; low = collapsed',
  cdnv: 'class-distance-normalised variance',
  nc2_etf_err: 'class-mean Gram vs simplex ETF',
  nc2_equinorm_cv: 'spread (CV) of class-mean norms',
  nc3_dual_err: 'classifier vs centred class means',
  nc4_ncc_agree: '% where classifier = nearest class centre',
  angle_dir_mean: 'mean angle to class direction (°)',
  angle_dir_median: 'median angle to class direction (°)',
  angle_dir_p90: 'p90 angle to class direction (°)',
  angle_mean_mean: 'mean angle to class mean (°)',
  angle_mean_median: 'median angle to class mean (°)',
  angle_mean_p90: 'p90 angle to class mean (°)',
  in_cone_frac: '% of features inside the cone of half-angle θ',
};

/** `nc1 (longtail)` -> `nc1` (see aggregate()). */
function baseName(metric: string): string {
  return metric.split(' ')[0];
}

/** One small bar chart per geometry metric: their scales differ by orders of magnitude. */
export function geometrySection(agg: Aggregates, groups: ReportGroup[]): Section {
  const metrics = measuredMetrics(agg).filter((m) => !isAccuracyMetric(m) && !isEpochMetric(m));
  return {
    title: 'Neural-collapse and cone geometry',
    intro:
      'Test-split features at the training level, L2-normalised; mean ± std over seeds. Collapse shows as small NC1 and angles near 0°.',
    small: true,
    charts: metrics.map((m, i) =>
      barsWithErrors(
        `geom-${i}`,
        { text: m, subtitle: MEANING[baseName(m)] },
        [m],
        agg,
        groups,
        `${m}${unitSuffix(m)}`,
      ),
    ),
  };
}
