import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/types.js';
import { batchTensor } from '../data/batches.js';
import { compileInferenceNetwork } from '../model/inference-network.js';
import type { Loss } from './losses/types.js';

/** Indices start..end-1 as a batch. */
function range(start: number, end: number): Int32Array {
  const idx = new Int32Array(end - start);
  for (let i = 0; i < idx.length; i++) idx[i] = start + i;
  return idx;
}

/**
 * The network's features for a whole split, in inference mode (batch-norm running statistics folded
 * into the layers next to them, see compileInferenceNetwork), batch by batch so that memory stays
 * bounded. Returns N×d row-major.
 */
export async function featuresOf(
  model: tf.LayersModel,
  split: Split,
  shape: readonly number[],
  batchSize: number,
  onBatch?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const d = (model.outputs[0].shape as number[])[1];
  const out = new Float32Array(split.n * d);
  const network = compileInferenceNetwork(model);
  try {
    for (let start = 0; start < split.n; start += batchSize) {
      const end = Math.min(split.n, start + batchSize);
      const feats = tf.tidy(() => network.apply(batchTensor(split, shape, range(start, end))));
      out.set(await feats.data(), start * d);
      feats.dispose();
      onBatch?.(end, split.n);
      // Let signal handlers run between batches (the wasm backend computes synchronously).
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    network.dispose();
  }
  return out;
}

export interface Classified {
  loss: number;
  accuracy: number;
  /** The classifier's class for every row. */
  predictions: Int32Array;
}

/** Mean loss, accuracy and predictions of the loss's classifier on precomputed features. */
export async function classify(
  loss: Loss,
  features: Float32Array,
  labels: Int32Array,
  chunk = 4096,
): Promise<Classified> {
  const n = labels.length;
  const d = features.length / n;
  const predictions = new Int32Array(n);
  let lossSum = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    // The typed array is read outside tidy: tidy walks a returned array element by element.
    const [batchLoss, predicted] = tf.tidy(() => {
      const f = tf.tensor2d(features.subarray(start * d, end * d), [end - start, d]);
      const y = tf.tensor1d(labels.subarray(start, end), 'int32');
      return [loss.loss(f, y), tf.argMax(loss.logits(f), 1)];
    });
    lossSum += (await batchLoss.data())[0] * (end - start);
    predictions.set((await predicted.data()) as Int32Array, start);
    tf.dispose([batchLoss, predicted]);
  }
  let correct = 0;
  for (let i = 0; i < n; i++) if (predictions[i] === labels[i]) correct++;
  return { loss: lossSum / n, accuracy: correct / n, predictions };
}

/** The classifier a loss predicts with, as host arrays: the fixed ETF rows, or ce's learnt head (kernel transposed) and bias. */
export interface HeadMatrices {
  /** K×d row-major. */
  W: Float32Array;
  K: number;
  bias: Float32Array | null;
  /** True for the fixed ETF directions of the ETF losses. */
  etf: boolean;
}

export async function headMatrices(loss: Loss): Promise<HeadMatrices> {
  const directions = loss.classDirections();
  const W = directions ?? tf.transpose(loss.state()['head/kernel']);
  const out = { W: (await W.data()) as Float32Array, K: W.shape[0], etf: directions !== null };
  if (!directions) W.dispose();
  const bias = loss.state()['head/bias'];
  return { ...out, bias: bias ? ((await bias.data()) as Float32Array) : null };
}
