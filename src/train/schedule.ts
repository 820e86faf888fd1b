import type { Spec } from '../config/schema.js';

/**
 * Learning rate at a point in training, given as a fractional epoch (step / steps-per-epoch), so
 * it changes every step and a resumed run recomputes exactly the same value from its position.
 */
export function learningRate(schedule: Spec['schedule'], baseLr: number, epoch: number, totalEpochs: number): number {
  const warm = schedule.warmup_epochs;
  // Linear warm-up from a tenth of the rate (from zero, the first step would do nothing).
  if (warm > 0 && epoch < warm && schedule.name !== 'onecycle') return baseLr * (0.1 + 0.9 * (epoch / warm));
  const minLr = baseLr * schedule.min_lr_ratio;
  switch (schedule.name) {
    case 'constant':
      return baseLr;
    case 'step': {
      const passed = schedule.milestones.filter((m) => epoch >= m).length;
      return baseLr * schedule.gamma ** passed;
    }
    case 'cosine': {
      const t = Math.min(1, (epoch - warm) / Math.max(1e-9, totalEpochs - warm));
      return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t));
    }
    case 'onecycle': {
      // Linear ramp from lr/25 to lr over the warm-up (default 30% of training), then cosine to the floor.
      const peakAt = warm > 0 ? warm : 0.3 * totalEpochs;
      const start = baseLr / 25;
      if (epoch < peakAt) return start + (baseLr - start) * (epoch / peakAt);
      const t = Math.min(1, (epoch - peakAt) / Math.max(1e-9, totalEpochs - peakAt));
      const floor = Math.max(minLr, baseLr / 1e4);
      return floor + 0.5 * (baseLr - floor) * (1 + Math.cos(Math.PI * t));
    }
  }
}
