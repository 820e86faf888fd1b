import * as tf from '@tensorflow/tfjs';
import { webgpuMaxBufferBytes } from '../backend/webgpu.js';
import { batchTensor, takeSplit } from '../data/batches.js';
import type { TrainTask } from '../data/task.js';
import type { Rng } from '../util/rng.js';
import { cropAndFlip, cropAndFlipTensor, drawCrops } from './augment.js';

/** Where training batches are made: from the host's arrays each step, or gathered from a split uploaded once. */
export type BatchPlace = 'host' | 'device';

/** The training batches of a task. Both places give the same numbers for the same indices and seed. */
export interface BatchSource {
  readonly place: BatchPlace;
  /** Images [b, ...shape] (float32, cropped and flipped when augmentRng is given) and their labels. */
  batch(idx: Int32Array, augmentRng: Rng | null): { x: tf.Tensor; y: tf.Tensor1D };
  dispose(): void;
}

/** Each batch converted from the host's arrays and uploaded: bytes scaled, augmentation on the raw bytes. */
function hostBatches(task: TrainTask): BatchSource {
  return {
    place: 'host',
    batch(idx, augmentRng) {
      const labels = Int32Array.from(idx, (i) => task.trainLabels[i]);
      const y = tf.tensor1d(labels, 'int32');
      if (!augmentRng) return { x: batchTensor(task.train, task.shape, idx), y };
      const batch = takeSplit(task.train, idx);
      const augmented = { ...batch, images: cropAndFlip(batch.images, batch.n, task.shape, augmentRng) };
      const all = Int32Array.from({ length: batch.n }, (_, i) => i);
      return { x: batchTensor(augmented, task.shape, all), y };
    },
    dispose() {},
  };
}

/**
 * The split uploaded once (as batchTensor converts it, so the values are the host path's) and each
 * batch gathered on the backend: a step uploads its indices and crop positions, not its images.
 */
function deviceBatches(task: TrainTask): BatchSource {
  const all = Int32Array.from({ length: task.train.n }, (_, i) => i);
  const images = batchTensor(task.train, task.shape, all);
  const labels = tf.tensor1d(task.trainLabels, 'int32');
  return {
    place: 'device',
    batch(idx, augmentRng) {
      return tf.tidy(() => {
        const at = tf.tensor1d(idx, 'int32');
        const x = tf.gather(images, at);
        const y = tf.gather(labels, at) as tf.Tensor1D;
        if (!augmentRng) return { x, y };
        return { x: cropAndFlipTensor(x as tf.Tensor4D, drawCrops(idx.length, augmentRng)), y };
      });
    },
    dispose() {
      tf.dispose([images, labels]);
    },
  };
}

/**
 * The place that suits the active backend: the device on webgpu when the split fits one GPU buffer
 * (a per-step upload and its wait cost a GPU more than the copy); the host elsewhere, where tensors
 * live in host memory anyway and a float32 copy of the split would quadruple a byte dataset's memory.
 */
export function defaultBatchPlace(task: TrainTask): BatchPlace {
  const limit = webgpuMaxBufferBytes();
  return limit !== null && task.train.images.length * 4 <= limit ? 'device' : 'host';
}

export function batchSource(task: TrainTask, place: BatchPlace): BatchSource {
  return place === 'device' ? deviceBatches(task) : hostBatches(task);
}
