import { loadDataset } from '../data/registry.js';
import { trackingHook } from '../eval/trajectory.js';
import type { Dataset, Level } from '../data/types.js';
import type { Spec } from '../spec/schema.js';
import { trainingRun, type TrainingRunResult } from './run-training.js';
import type { TrainTask } from './trainer.js';

/** Class frequencies of a label vector, as a prior (sums to 1). */
export function classPrior(labels: Int32Array, numClasses: number): Float32Array {
  const counts = new Float32Array(numClasses);
  for (const y of labels) counts[y]++;
  return counts.map((c) => c / labels.length);
}

export function datasetTask(ds: Dataset, level: Level): TrainTask {
  const numClasses = level === 'fine' ? ds.fineNames.length : ds.coarseNames.length;
  return {
    train: ds.train,
    trainLabels: ds.train[level],
    test: ds.test,
    testLabels: ds.test[level],
    shape: ds.shape,
    numClasses,
    classPrior: classPrior(ds.train[level], numClasses),
  };
}

export function loadSpecDataset(spec: Spec): Promise<Dataset> {
  return loadDataset({ ...spec.dataset, seed: spec.seed });
}

/** `cone pretrain`: train the spec's network on its dataset at `dataset.level` (coarse by default). */
export function pretrain(spec: Spec, opts: { quiet?: boolean; stopWhen?: () => boolean } = {}): Promise<TrainingRunResult> {
  return trainingRun(spec, {
    kind: 'pretrain',
    quiet: opts.quiet,
    stopWhen: opts.stopWhen,
    task: async () => datasetTask(await loadSpecDataset(spec), spec.dataset.level),
    track: trackingHook(spec),
  });
}
