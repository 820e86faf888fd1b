import { describe, expect, it } from 'vitest';
import { displayValue, formatDisplay, formatMetric, isPercentMetric } from '../../src/util/units.js';

describe('one unit convention', () => {
  it('puts accuracies and fractions in percent and nothing else', () => {
    for (const m of [
      'coarse.accuracy',
      'fine.linear',
      'fine.knn_weighted',
      'fine.linear@best',
      'lt.few',
      'in_cone_frac',
      'nc4_ncc_agree',
      'test_accuracy',
      'in_cone_frac (longtail)',
    ])
      expect(isPercentMetric(m), m).toBe(true);
    for (const m of ['nc1', 'nc1_ratio', 'angle_dir_mean', 'fine.linear@best_epoch', 'cdnv'])
      expect(isPercentMetric(m), m).toBe(false);
  });

  it('formats every value the same way wherever it is shown', () => {
    expect(formatMetric('fine.linear', 0.9473)).toBe('94.73%');
    expect(formatMetric('in_cone_frac', 0.5116, 0.01)).toBe('51.16 ± 1.00%');
    expect(formatMetric('nc1', 0.32721)).toBe('0.3272');
    expect(formatMetric('fine.linear@best_epoch', 12)).toBe('12');
    expect(formatMetric('nc1', NaN)).toBe('-');
    expect(formatMetric('nc1', null)).toBe('-');
    expect(displayValue('coarse.accuracy', 0.9)).toBeCloseTo(90, 12);
    expect(formatDisplay('coarse.accuracy', 90)).toBe('90.00%');
  });
});
