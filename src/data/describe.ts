import type { Dataset, Split } from './types.js';

export interface SplitDescription {
  n: number;
  /** Samples per fine class, indexed like Dataset.fineNames. */
  fine: number[];
  /** Samples per coarse class, indexed like Dataset.coarseNames. */
  coarse: number[];
}

export interface DatasetDescription {
  name: string;
  shape: number[];
  hierarchy: string;
  source: string;
  fineNames: string[];
  coarseNames: string[];
  /** fineToCoarse[f] is the coarse class of fine class f. */
  fineToCoarse: number[];
  train: SplitDescription;
  test: SplitDescription;
}

function countLabels(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labels) counts[y]++;
  return counts;
}

function describeSplit(split: Split, ds: Dataset): SplitDescription {
  return {
    n: split.n,
    fine: countLabels(split.fine, ds.fineNames.length),
    coarse: countLabels(split.coarse, ds.coarseNames.length),
  };
}

/** Split sizes and per-class counts at both levels, for `cone datasets info`. */
export function describeDataset(ds: Dataset): DatasetDescription {
  return {
    name: ds.name,
    shape: [...ds.shape],
    hierarchy: ds.hierarchy,
    source: ds.source,
    fineNames: ds.fineNames,
    coarseNames: ds.coarseNames,
    fineToCoarse: [...ds.fineToCoarse],
    train: describeSplit(ds.train, ds),
    test: describeSplit(ds.test, ds),
  };
}
