import { datasetTask, loadSpecDataset } from '../data/task.js';
import type { Spec } from '../config/schema.js';
import { trainingRun, type TrainingRunResult } from './training-run.js';
import { trackingHook } from './trajectory.js';

/** `cone pretrain`: train the spec's network on its dataset at `dataset.level` (coarse by default). */
export function pretrain(
  spec: Spec,
  opts: { quiet?: boolean; stopWhen?: () => boolean } = {},
): Promise<TrainingRunResult> {
  return trainingRun(spec, {
    kind: 'pretrain',
    quiet: opts.quiet,
    stopWhen: opts.stopWhen,
    task: async () => datasetTask(await loadSpecDataset(spec), spec.dataset.level),
    track: trackingHook(spec),
  });
}
