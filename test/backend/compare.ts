import * as tf from '@tensorflow/tfjs';
import { expect, vi } from 'vitest';
import { simdKernelsFor } from '../../src/backend/simd/index.js';
import { Rng } from '../../src/util/rng.js';
import { useBackend, type TestBackend } from '../helpers/backends.js';

/** Reproducible N(0, 1) values for a shape (values are data: every backend gets the same). */
export function randomValues(seed: number, shape: number[]): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal());
}

/** Small integers, so that max-pool windows have ties. */
export function randomInts(seed: number, shape: number[], max: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.int(max + 1));
}

/** Normwise relative error: max |a − b| / max |a|. */
export function relativeError(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Engine tensors and the backend's own buffers (project kernels make internal views and temporaries). */
function liveCounts(): [number, number] {
  return [tf.memory().numTensors, tf.backend().numDataIds()];
}

export interface Outcome {
  shapes: number[][];
  values: Float32Array[];
}

/** What runOn runs: synchronous, or asynchronous to let the event loop turn between long phases. */
export type Compute = () => tf.Tensor | tf.Tensor[] | Promise<tf.Tensor[]>;

/**
 * Runs `compute` with `backend` active and reads its outputs; no tensors may outlive it. An engine
 * scope rather than tf.tidy, which cannot wait: every tensor made in it but not returned is disposed.
 */
export async function runOn(backend: TestBackend, compute: Compute): Promise<Outcome> {
  await useBackend(backend);
  const before = liveCounts();
  let list: tf.Tensor[] = [];
  tf.engine().startScope();
  try {
    const outputs = await compute();
    list = Array.isArray(outputs) ? outputs : [outputs];
  } finally {
    tf.engine().endScope(list);
  }
  // Read asynchronously: webgpu cannot read back synchronously in Node.
  const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  const outcome = { shapes: list.map((t) => t.shape), values };
  tf.dispose(list);
  const after = liveCounts();
  if (after[0] !== before[0] || after[1] !== before[1]) {
    throw new Error(`${backend} leaked: tensors ${before[0]} -> ${after[0]}, buffers ${before[1]} -> ${after[1]}`);
  }
  return outcome;
}

/** The largest relative error of `compute` on `backend` against the cpu backend; shapes must agree. */
export async function versusCpu(backend: TestBackend, compute: Compute): Promise<number> {
  const cpu = await runOn('cpu', compute);
  const other = await runOn(backend, compute);
  if (JSON.stringify(cpu.shapes) !== JSON.stringify(other.shapes)) {
    throw new Error(`shapes differ: cpu ${JSON.stringify(cpu.shapes)}, ${backend} ${JSON.stringify(other.shapes)}`);
  }
  return Math.max(...cpu.values.map((v, i) => relativeError(v, other.values[i])));
}

/** versusCpu on wasm. */
export function wasmVsCpu(compute: Compute): Promise<number> {
  return versusCpu('wasm', compute);
}

/** Relative error of `compute` on the current wasm instance against cpu; nothing may be left behind. */
export function errorOnCurrentWasm(cpu: Float32Array[], compute: () => tf.Tensor[]): number {
  const before = liveCounts();
  const outputs = tf.tidy(compute);
  const error = Math.max(...outputs.map((t, i) => relativeError(cpu[i], t.dataSync())));
  tf.dispose(outputs);
  expect(liveCounts()).toEqual(before);
  return error;
}

/** The project SIMD kernels `compute` runs on the current wasm instance (none when they are off). */
export function simdOpsOf(compute: () => tf.Tensor[]): string[] {
  const simd = simdKernelsFor(tf.backend());
  if (simd === null) return [];
  const run = vi.spyOn(simd, 'run');
  try {
    tf.dispose(tf.tidy(compute));
    return run.mock.calls.map(([op]) => op);
  } finally {
    run.mockRestore();
  }
}
