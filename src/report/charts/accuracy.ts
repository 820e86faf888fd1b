import { measuredMetrics, type Aggregates } from '../aggregate.js';
import type { ReportGroup } from '../groups.js';
import { barsWithErrors } from './bars.js';
import type { Section } from './types.js';

/** Accuracy families of summary.csv, by metric-name prefix (docs/design.md, suite folder). */
const FAMILIES = [
  { prefix: 'fine.', id: 'acc-fine', title: 'Fine-level probes on the pretrained features' },
  { prefix: 'coarse.', id: 'acc-coarse', title: 'Coarse level (training labels): test accuracy and probes' },
  { prefix: 'lt.', id: 'acc-longtail', title: 'Long-tailed training: balanced test accuracy by shot bucket' },
];

export function isAccuracyMetric(metric: string): boolean {
  return FAMILIES.some((f) => metric.startsWith(f.prefix)) && !isEpochMetric(metric);
}

/** `<level>.<probe>@best_epoch` (trajectory.csv): an epoch number, shown in the table only. */
export function isEpochMetric(metric: string): boolean {
  return metric.split(' ')[0].endsWith('@best_epoch');
}

/** One bar chart per accuracy family that the suite measured. */
export function accuracySection(agg: Aggregates, groups: ReportGroup[]): Section {
  const metrics = measuredMetrics(agg);
  const charts = FAMILIES.flatMap((f) => {
    // Epoch numbers (`@best_epoch`) are not accuracies: they stay in the table.
    const ms = metrics.filter((m) => m.startsWith(f.prefix) && !isEpochMetric(m));
    return ms.length === 0 ? [] : [barsWithErrors(f.id, { text: f.title }, ms, agg, groups, 'accuracy (%)', true)];
  });
  return {
    title: 'Accuracy',
    intro:
      'Mean over seeds per method (and grid value), in percent; whiskers span ± one sample standard deviation. ' +
      'Where the bars lie close together the y axis starts above 0 (each chart says where). ' +
      'fine.* probes are fitted on train features and scored on test features at the fine label level; lt.many / lt.medium / lt.few split classes by training-set size.',
    charts,
  };
}
