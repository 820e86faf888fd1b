import * as tf from '@tensorflow/tfjs';
import { RunError } from '../../errors.js';
import { interruptionPoint } from '../../util/interruption.js';
import { checkFeatures, checkLabels, l2NormaliseRows, type FeatureMatrix, type LabelledFeatures } from '../features.js';
import { accuracy, type ProbeResult } from './probe-result.js';

export interface KnnOptions {
  k?: number;
  temperature?: number;
  /** Upper bound on test-rows × train-rows similarities held at once. */
  batchElements?: number;
  /** Stops the search between batches (InterruptedError). */
  signal?: AbortSignal;
}

const DEFAULTS = { k: 20, temperature: 0.07, batchElements: 1 << 22 };

export interface Neighbours {
  /** Row-major n_test × k: training indices, most similar first. */
  index: Int32Array;
  /** Their cosine similarities. */
  similarity: Float32Array;
  k: number;
}

/** The k most cosine-similar training rows of every test row. */
export async function cosineNeighbours(
  train: FeatureMatrix,
  test: FeatureMatrix,
  k: number,
  batchElements: number,
  signal?: AbortSignal,
): Promise<Neighbours> {
  const d = train.d;
  const q = l2NormaliseRows(test);
  const t = l2NormaliseRows(train);
  // Transposed once on the host, so every batch is a plain (untransposed) matMul.
  const trainT = new Float32Array(d * train.n);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d; j++) trainT[j * train.n + i] = t.data[i * d + j];
  const index = new Int32Array(test.n * k);
  const similarity = new Float32Array(test.n * k);
  const batch = Math.max(1, Math.floor(batchElements / train.n));
  const trainTensor = tf.tensor2d(trainT, [d, train.n]);
  try {
    for (let start = 0; start < test.n; start += batch) {
      await interruptionPoint(signal);
      const rows = Math.min(batch, test.n - start);
      const [values, indices] = tf.tidy(() => {
        const sims = tf.matMul(tf.tensor2d(q.data.subarray(start * d, (start + rows) * d), [rows, d]), trainTensor);
        const top = tf.topk(sims, k, true);
        return [top.values, top.indices];
      });
      similarity.set(values.dataSync(), start * k);
      index.set(indices.dataSync(), start * k);
      tf.dispose([values, indices]);
    }
  } finally {
    trainTensor.dispose();
  }
  return { index, similarity, k };
}

/**
 * k-nearest-neighbour probe under cosine similarity: each test feature takes the labels of its k most
 * similar training features. Two votes are reported, as two rows, because they come from one search:
 *
 * - `knn`:          majority vote; a tie goes to the tied class that holds the nearest neighbour.
 * - `knn-weighted`: each neighbour votes with weight exp(sim/T) (T = 0.07, as in Wu et al. 2018 and
 *                   DINO), so near neighbours dominate.
 *
 * Similarities are tfjs matMuls on the active backend, over batches of test rows sized so a batch's
 * similarity block holds at most `batchElements` values (16 MB at the default): memory stays bounded
 * for 60000 × 10000 features. k above the training-set size is reduced to it.
 */
export async function knnProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  K: number,
  opts: KnnOptions = {},
): Promise<ProbeResult[]> {
  const o = { ...DEFAULTS, ...opts };
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    checkFeatures(split.features, `kNN probe (${name})`);
    checkLabels(split.labels, split.features.n, K, `kNN probe (${name})`);
  }
  if (train.features.d !== test.features.d)
    throw new RunError(`kNN probe: train features have d=${train.features.d}, test features d=${test.features.d}`);
  if (!Number.isInteger(o.k) || o.k < 1) throw new RunError(`kNN probe: k must be a positive integer (got ${o.k})`);
  if (!(o.temperature > 0)) throw new RunError(`kNN probe: temperature must be > 0 (got ${o.temperature})`);
  const k = Math.min(o.k, train.features.n);
  const nb = await cosineNeighbours(train.features, test.features, k, o.batchElements, o.signal);

  const n = test.features.n;
  const majority = new Int32Array(n);
  const weighted = new Int32Array(n);
  const counts = new Float64Array(K);
  const weights = new Float64Array(K);
  const firstRank = new Int32Array(K);
  for (let i = 0; i < n; i++) {
    counts.fill(0);
    weights.fill(0);
    firstRank.fill(-1);
    const top = nb.similarity[i * k];
    for (let r = 0; r < k; r++) {
      const y = train.labels[nb.index[i * k + r]];
      counts[y]++;
      // Shifted by the top similarity: same argmax, and no overflow for small temperatures.
      weights[y] += Math.exp((nb.similarity[i * k + r] - top) / o.temperature);
      if (firstRank[y] < 0) firstRank[y] = r;
    }
    majority[i] = argmaxByRank(counts, firstRank);
    weighted[i] = argmaxByRank(weights, firstRank);
  }
  const settings = { k, metric: 'cosine', features: 'l2' };
  return [
    { probe: 'knn', accuracy: accuracy(majority, test.labels), settings: { ...settings, vote: 'majority' } },
    {
      probe: 'knn-weighted',
      accuracy: accuracy(weighted, test.labels),
      settings: { ...settings, vote: 'exp(sim/T)', temperature: o.temperature },
    },
  ];
}

/** Class with the highest score; among equal scores, the one whose first neighbour ranks highest. */
function argmaxByRank(score: Float64Array, firstRank: Int32Array): number {
  let best = -1;
  for (let c = 0; c < score.length; c++) {
    if (firstRank[c] < 0) continue; // no neighbour of this class
    if (best < 0 || score[c] > score[best] || (score[c] === score[best] && firstRank[c] < firstRank[best])) best = c;
  }
  return best;
}
