import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { valuesPerSample } from './subset.js';
import type { Split } from './types.js';

// Subsets live apart so that loading a dataset does not import tfjs; exported here with the batching.
export { balancedSubset, takeSplit } from './subset.js';

/** One epoch of mini-batches: a seeded permutation of 0..n-1 cut into batches of batchSize. */
export function* batchIndices(
  n: number,
  batchSize: number,
  rng: Rng,
  opts: { dropLast?: boolean } = {},
): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size must be a positive integer (got ${batchSize})`);
  const order = rng.permutation(n);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    if (opts.dropLast && end - start < batchSize) return;
    yield order.slice(start, end);
  }
}

/** The samples at idx as a float32 tensor [b, ...shape]: bytes scaled to [0, 1], synthetic values as they are. */
export function batchTensor(split: Split, shape: readonly number[], idx: Int32Array): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (valuesPerSample(split) !== size)
    throw new RangeError(`batch shape [${shape.join(',')}] does not match ${valuesPerSample(split)} values per sample`);
  const out = new Float32Array(idx.length * size);
  const scale = split.images instanceof Uint8Array ? 1 / 255 : 1;
  for (let b = 0; b < idx.length; b++) {
    const from = idx[b] * size;
    const to = b * size;
    for (let v = 0; v < size; v++) out[to + v] = split.images[from + v] * scale;
  }
  return tf.tensor(out, [idx.length, ...shape], 'float32');
}
