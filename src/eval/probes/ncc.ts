import { RunError } from '../../errors.js';
import { classMeans, nearestCentres } from '../centres.js';
import {
  checkFeatures,
  checkLabels,
  featureVariant,
  l2NormaliseRows,
  type FeatureMatrix,
  type LabelledFeatures,
} from '../features.js';
import { accuracy, type ProbeResult } from './probe-result.js';

export interface NccOptions {
  normalise?: boolean;
}

/**
 * Nearest-class-centre probe: class means of the training features, each test feature labelled by
 * the nearest mean in Euclidean distance (ties to the lower class). By default on L2-normalised
 * features, like the linear probe; means are of the normalised features and are not renormalised.
 */
export function nccProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  K: number,
  opts: NccOptions = {},
): ProbeResult {
  const normalise = opts.normalise ?? true;
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    checkFeatures(split.features, `NCC probe (${name})`);
    checkLabels(split.labels, split.features.n, K, `NCC probe (${name})`);
  }
  if (train.features.d !== test.features.d)
    throw new RunError(`NCC probe: train features have d=${train.features.d}, test features d=${test.features.d}`);
  const prepare = (x: FeatureMatrix) => (normalise ? l2NormaliseRows(x) : x);
  const { means } = classMeans(prepare(train.features), train.labels, K, 'NCC probe (train)');
  const predicted = nearestCentres(prepare(test.features), means, K).index;
  return {
    probe: 'ncc',
    accuracy: accuracy(predicted, test.labels),
    settings: { features: featureVariant(normalise), metric: 'euclidean' },
  };
}
