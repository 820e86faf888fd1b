import * as tf from '@tensorflow/tfjs';
import { RunError } from '../errors.js';
import { countParameters } from '../model/networks/index.js';

/** wasm32 addresses at most 4 GiB, and the tfjs wasm heap can grow but never shrinks. */
export const WASM_HEAP_CAP_BYTES = 4 * 1024 ** 3;

const BYTES_PER_FLOAT = 4;
/**
 * A training step holds every layer output, its gradient and the ops' temporaries, and the heap
 * grows in steps and fragments: the measured peak wasm heap was 4.5× (resnet20) to 5.0× (cnn28) the
 * layer outputs at batch 128 (docs/performance.md). Six copies leave a margin, because running out
 * aborts the wasm module instead of throwing.
 */
const TRAINING_ACTIVATION_COPIES = 6;
/** Weights, their gradients and up to two optimizer slots (Adam's m and v). */
const WEIGHT_COPIES = 4;

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

/** Floats of all layer outputs for one sample (the batch axis left out). */
export function activationFloatsPerSample(model: tf.LayersModel): number {
  let floats = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape;
    const shapes = (Array.isArray(out[0]) ? out : [out]) as (number | null)[][];
    for (const shape of shapes) floats += product(shape.slice(1));
  }
  return floats;
}

/** A rough upper estimate of the memory one training step of `model` on `batch` samples needs. */
export function estimateTrainingBytes(model: tf.LayersModel, batch: number): number {
  const activations = activationFloatsPerSample(model) * batch * BYTES_PER_FLOAT * TRAINING_ACTIVATION_COPIES;
  return activations + countParameters(model).total * BYTES_PER_FLOAT * WEIGHT_COPIES;
}

/** Largest batch whose estimate stays under `capBytes`. */
export function largestFittingBatch(model: tf.LayersModel, capBytes: number): number {
  const fixed = estimateTrainingBytes(model, 0);
  const perSample = estimateTrainingBytes(model, 1) - fixed;
  return Math.max(0, Math.floor((capBytes - fixed) / perSample));
}

/**
 * Refuses, before anything is allocated, a batch that cannot fit the wasm heap: wasm would otherwise
 * fail deep inside a kernel with an opaque out-of-memory abort. Other backends have no such cap.
 */
export function assertBatchFits(model: tf.LayersModel, batch: number, backend: string): void {
  if (backend !== 'wasm') return;
  const need = estimateTrainingBytes(model, batch);
  if (need > WASM_HEAP_CAP_BYTES) {
    const gb = (need / 1024 ** 3).toFixed(1);
    throw new RunError(
      `--batch ${batch}: a ${model.name} training step needs about ${gb} GB, over the wasm backend's 4 GB heap; ` +
        `use --batch ${largestFittingBatch(model, WASM_HEAP_CAP_BYTES)} or less`,
    );
  }
}

/** The wasm module's linear memory: its current size is its peak, since it never shrinks. Null on other backends. */
export function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/** Peak resident set size of this process so far. */
export function peakRssBytes(): number {
  // resourceUsage reports maxRSS in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}
