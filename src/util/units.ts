/**
 * The one unit convention for what a person reads: accuracies and fractions (every `coarse.*`,
 * `fine.*` and `lt.*` metric but `@best_epoch`, metrics.csv's `*_accuracy`, `in_cone_frac`,
 * `nc4_ncc_agree`) are shown in
 * percent, two decimals, with a `%` sign, and suite expectations give their thresholds and margins
 * in percent (points) too. Percent because results in papers and in docs/results/ are quoted so,
 * and a difference of "1.3 points" reads better than 0.013. Files meant for programs (probe.csv,
 * geometry.csv, trajectory.csv, summary.csv) keep fractions in [0, 1], as scikit-learn returns them.
 * Every other metric (nc1, angles in degrees, …) is shown with 4 significant digits.
 */

/** `nc1 (longtail)` (the report's per-pipeline name) -> `nc1`. */
const baseName = (metric: string) => metric.split(' ')[0];

export function isPercentMetric(metric: string): boolean {
  const m = baseName(metric);
  if (m.endsWith('@best_epoch') || m.endsWith('_loss')) return false;
  return /^(coarse|fine|lt)\./.test(m) || /(accuracy|_frac|_agree)$/.test(m);
}

/** A metric's value in the unit a person reads and expectations compare: percent for accuracies and fractions. */
export function displayValue(metric: string, value: number): number {
  return isPercentMetric(metric) ? 100 * value : value;
}

/** ' (%)' for a percent metric, '' otherwise: for chart axes and column titles. */
export function unitSuffix(metric: string): string {
  return isPercentMetric(metric) ? ' (%)' : '';
}

/** A number already in display units: `94.73` (percent: two decimals) or `0.1234`, `12` (at most 4 significant digits). */
export function formatNumber(metric: string, x: number): string {
  return isPercentMetric(metric) ? x.toFixed(2) : String(Number(x.toPrecision(4)));
}

/** A value already in display units (a threshold, a margin, a mean in percent), with its unit and optional spread. */
export function formatDisplay(metric: string, x: number, spread?: number): string {
  if (!Number.isFinite(x)) return '-';
  const unit = isPercentMetric(metric) ? '%' : '';
  const v = formatNumber(metric, x);
  return spread === undefined ? `${v}${unit}` : `${v} ± ${formatNumber(metric, spread)}${unit}`;
}

/**
 * A metric's value (as stored: fractions) for a person: `94.73%`, `94.73 ± 0.41%` with a spread
 * (over seeds), `0.1234` or `0.1234 ± 0.01` for other metrics, `-` when not measured.
 */
export function formatMetric(metric: string, value: number | null | undefined, spread?: number): string {
  if (value === null || value === undefined) return '-';
  return formatDisplay(
    metric,
    displayValue(metric, value),
    spread === undefined ? undefined : displayValue(metric, spread),
  );
}
