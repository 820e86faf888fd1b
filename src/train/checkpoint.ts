import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RunError } from '../errors.js';
import { writeDirAtomic } from '../io/atomic.js';
import type { RngState } from '../util/rng.js';

/**
 * A checkpoint folder holds everything needed to continue a run bit for bit:
 *   weights.bin + weights.json   network weights (incl. batch-norm statistics), loss head, optimizer slots
 *   state.json                   epoch, position within the epoch, RNG state, running sums, metric rows
 * It is written to a temp folder and renamed, so a crash leaves the previous checkpoint intact.
 */
export const CHECKPOINT_FORMAT = 1;

export type NamedTensor = { name: string; tensor: tf.Tensor };

export interface TrainState {
  format: number;
  spec_hash: string;
  /** Epochs fully finished. */
  epoch: number;
  /** Steps finished within the epoch in progress (0 at an epoch boundary). */
  step_in_epoch: number;
  global_step: number;
  /** Seed of the epoch in progress (its batch order and augmentation derive from it). */
  epoch_seed: number;
  rng: RngState;
  /** Sums over the finished steps of the epoch in progress. */
  running: { loss_sum: number; correct: number; seen: number; seconds: number };
  metrics: Record<string, number | string | null>[];
  /** Rows of the run's tracker (trajectory.csv) and the seconds it took; absent in runs without tracking. */
  tracked?: Record<string, number | string | boolean | null | undefined>[];
  track_seconds?: number;
}

export interface CheckpointTensors {
  model: tf.Tensor[];
  head: Record<string, tf.Tensor>;
  optimizer: NamedTensor[];
}

export const WEIGHTS_BIN = 'weights.bin';
export const WEIGHTS_JSON = 'weights.json';
export const STATE_JSON = 'state.json';

/** Group prefixes: tensors are stored by position (tfjs layer names differ between processes). */
const MODEL = 'model/';
const HEAD = 'head/';
const OPT = 'optimizer/';

export async function saveCheckpoint(dir: string, tensors: CheckpointTensors, state: TrainState): Promise<void> {
  const named: NamedTensor[] = [
    ...tensors.model.map((tensor, i) => ({ name: `${MODEL}${i}`, tensor })),
    ...Object.entries(tensors.head).map(([k, tensor]) => ({ name: `${HEAD}${k}`, tensor })),
    ...tensors.optimizer.map((t, i) => ({ name: `${OPT}${i}`, tensor: t.tensor })),
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  await writeDirAtomic(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, WEIGHTS_BIN), new Uint8Array(data as ArrayBuffer));
    fs.writeFileSync(
      path.join(tmp, WEIGHTS_JSON),
      JSON.stringify({ specs, optimizer_names: tensors.optimizer.map((t) => t.name) }, null, 1),
    );
    fs.writeFileSync(path.join(tmp, STATE_JSON), JSON.stringify(state, null, 2));
  });
}

/**
 * What to do about a broken checkpoint. Deleting the checkpoint alone is no way out: a finished run
 * would then count as done without weights. Deleting the run folder trains it again.
 */
function startOver(dir: string): string {
  return `delete the run folder ${path.dirname(dir)} to train the run again`;
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, STATE_JSON));
}

export function readTrainState(dir: string): TrainState {
  const file = path.join(dir, STATE_JSON);
  let state: TrainState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainState;
  } catch (e) {
    throw new RunError(`${file}: unreadable checkpoint state (${(e as Error).message}); ${startOver(dir)}`);
  }
  if (state.format !== CHECKPOINT_FORMAT)
    throw new RunError(`${file}: checkpoint format ${state.format}, this cone reads ${CHECKPOINT_FORMAT}`);
  return state;
}

/** Size of weights.bin as its index describes it (every tensor is float32). */
export function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
}

/** The tensors of a checkpoint; the caller owns (and disposes) them. */
export function loadCheckpointTensors(dir: string): CheckpointTensors {
  const jsonFile = path.join(dir, WEIGHTS_JSON);
  const binFile = path.join(dir, WEIGHTS_BIN);
  let meta: { specs: tf.io.WeightsManifestEntry[]; optimizer_names: string[] };
  try {
    meta = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch (e) {
    throw new RunError(`${jsonFile}: unreadable checkpoint (${(e as Error).message}); ${startOver(dir)}`);
  }
  if (!fs.existsSync(binFile)) throw new RunError(`${binFile}: missing from the checkpoint; ${startOver(dir)}`);
  const bytes = fs.readFileSync(binFile);
  const expected = weightBytes(meta.specs);
  if (bytes.length !== expected)
    throw new RunError(`${binFile}: ${bytes.length} bytes, the checkpoint's index says ${expected}; ${startOver(dir)}`);
  const map = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), meta.specs);
  const group = (prefix: string) =>
    meta.specs
      .filter((s) => s.name.startsWith(prefix))
      .map((s) => ({ key: s.name.slice(prefix.length), tensor: map[s.name] }));
  return {
    model: group(MODEL).map((g) => g.tensor),
    head: Object.fromEntries(group(HEAD).map((g) => [g.key, g.tensor])),
    optimizer: group(OPT).map((g, i) => ({ name: meta.optimizer_names[i], tensor: g.tensor })),
  };
}
