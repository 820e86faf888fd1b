import { takeSplit } from './batches.js';
import { longtailSplit, type LongtailProfile, type LongtailSplit } from './longtail.js';
import { loadDataset } from './registry.js';
import type { Dataset, DatasetSpec, Level, Split } from './types.js';

/** What to train on: both splits with their labels at the training level. */
export interface TrainTask {
  train: Split;
  trainLabels: Int32Array;
  test: Split;
  testLabels: Int32Array;
  shape: readonly number[];
  numClasses: number;
  /** Class frequencies of the training labels (for logit-adjusted losses). */
  classPrior?: Float32Array;
}

/** The fields of a resolved spec that say which data a run trains on. */
export interface DataSettings {
  dataset: Omit<DatasetSpec, 'seed'>;
  seed: number;
  longtail: { imbalance: number; profile: LongtailProfile; permute_classes: boolean };
}

/** Class frequencies of a label vector, as a prior (sums to 1). */
export function classPrior(labels: Int32Array, numClasses: number): Float32Array {
  const counts = new Float32Array(numClasses);
  for (const y of labels) counts[y]++;
  return counts.map((c) => c / labels.length);
}

/** The task of a dataset at one label level, with its class count and prior. */
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

/** The dataset of a spec, its subsets drawn with the spec's seed. */
export function loadSpecDataset(spec: Pick<DataSettings, 'dataset' | 'seed'>): Promise<Dataset> {
  return loadDataset({ ...spec.dataset, seed: spec.seed });
}

/**
 * The long-tailed training images of a spec: a pure function of the dataset, spec.longtail and the
 * seed, so `extract` rebuilds the very split a long-tail run trained on.
 */
export function specLongtailSplit(spec: Pick<DataSettings, 'longtail' | 'seed'>, ds: Dataset): LongtailSplit {
  return longtailSplit(ds.train.fine, ds.fineNames.length, {
    imbalance: spec.longtail.imbalance,
    profile: spec.longtail.profile,
    seed: spec.seed,
    permuteClasses: spec.longtail.permute_classes,
    classNames: ds.fineNames,
  });
}

/** The long-tailed training task: fine labels, the training split cut down to `split`, the balanced test set. */
export function longtailTask(ds: Dataset, split: LongtailSplit): TrainTask {
  return datasetTask({ ...ds, train: takeSplit(ds.train, split.indices) }, 'fine');
}
