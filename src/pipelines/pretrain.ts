import { datasetTask, loadSpecDataset } from '../data/task.js';
import type { Spec } from '../config/schema.js';
import type { Reporter } from '../reporter.js';
import { trainingRun, type TrainingRunResult } from './training-run.js';
import { trackingHook } from './trajectory.js';

/**
 * `cone pretrain`: train the spec's network on its dataset at `dataset.level` (coarse by default).
 * With `dataset.validation` it trains on the training images not held out and evaluates on the held-out
 * ones (metrics.csv's test_* columns), and the manifest states both sizes.
 */
export function pretrain(
  spec: Spec,
  opts: { reporter?: Reporter; stopWhen?: () => boolean } = {},
): Promise<TrainingRunResult> {
  const { validation } = spec.dataset;
  return trainingRun(spec, {
    kind: 'pretrain',
    reporter: opts.reporter,
    stopWhen: opts.stopWhen,
    task: async () => datasetTask(await loadSpecDataset(spec), spec.dataset.level),
    track: trackingHook(spec),
    after:
      validation == null
        ? undefined
        : async (_trained, task, _runDir, manifest) => {
            manifest.details.validation = {
              fraction: validation,
              train_images: task.train.n,
              validation_images: task.test.n,
              split_seed: `${spec.seed}:validation`,
            };
          },
  });
}
