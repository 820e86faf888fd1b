import { datasetTask, loadSpecDataset } from '../data/task.js';
import type { Spec } from '../config/schema.js';
import type { Reporter } from '../reporter.js';
import { trainingRun, type TrainingRunResult } from './training-run.js';
import { trackingHook } from './trajectory.js';

/** `cone pretrain`: train the spec's network on its dataset at `dataset.level` (coarse by default). */
export function pretrain(
  spec: Spec,
  opts: { reporter?: Reporter; stopWhen?: () => boolean } = {},
): Promise<TrainingRunResult> {
  return trainingRun(spec, {
    kind: 'pretrain',
    reporter: opts.reporter,
    stopWhen: opts.stopWhen,
    task: async () => datasetTask(await loadSpecDataset(spec), spec.dataset.level),
    track: trackingHook(spec),
  });
}
