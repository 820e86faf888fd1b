import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/registry.js';
import { datasetTask } from '../../src/data/task.js';
import { SILENT } from '../../src/reporter.js';
import { StopRequest } from '../../src/train/interrupt.js';
import { PendingStepStats } from '../../src/train/step-stats.js';
import { train, type MetricsRow } from '../../src/train/trainer.js';
import { tinySpec } from '../helpers/tiny-spec.js';
import { missingWebgpu } from '../helpers/webgpu.js';

interface Run {
  metrics: Omit<MetricsRow, 'seconds' | 'images_per_s'>[];
  weights: number[][];
  /** Live tensors at each progress report (right after a read-back, so nothing is pending). */
  tensorsAtReads: number[];
  leaked: number;
}

/** Trains the tiny spec directly, reading loss and hits back every `readBackSteps` steps. */
async function trainWith(readBackSteps: number, root: string, changes: Record<string, unknown>): Promise<Run> {
  const spec = resolveSpec(tinySpec({ name: 'tiny', optimizer: { name: 'sgd', lr: 0.05 }, ...changes }), 'tiny.yaml');
  const ds = await loadDataset({ ...spec.dataset, seed: spec.seed });
  const tensorsAtReads: number[] = [];
  const before = tf.memory().numTensors;
  const trained = await train(datasetTask(ds, 'coarse'), {
    spec,
    specHash: 'test',
    runDir: fs.mkdtempSync(path.join(root, `every-${readBackSteps}-`)),
    stop: new StopRequest(),
    progress: { ...SILENT.training('t'), step: () => tensorsAtReads.push(tf.memory().numTensors) },
    readBackSteps,
  });
  const weights = await Promise.all(trained.model.getWeights().map(async (w) => Array.from(await w.data())));
  trained.dispose();
  const metrics = trained.metrics.map(({ seconds: _s, images_per_s: _i, ...rest }) => rest);
  return { metrics, weights, tensorsAtReads, leaked: tf.memory().numTensors - before };
}

/** Reading every step (as the trainer once did) and reading rarely give the same numbers, and no tensor piles up. */
async function expectSameAsEveryStep(root: string, changes: Record<string, unknown> = {}): Promise<void> {
  const everyStep = await trainWith(1, root, changes);
  const rarely = await trainWith(1000, root, changes);
  expect(rarely.metrics).toEqual(everyStep.metrics);
  expect(rarely.weights).toEqual(everyStep.weights);
  for (const run of [everyStep, rarely]) {
    expect(run.leaked).toBe(0);
    expect(new Set(run.tensorsAtReads).size).toBe(1);
  }
  // Every step reported, versus (at most) one read-back per epoch when time allows.
  expect(everyStep.tensorsAtReads.length).toBeGreaterThan(rarely.tensorsAtReads.length);
}

describe('PendingStepStats', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('returns every pending step in order with one read and releases the tensors', async () => {
    const before = tf.memory().numTensors;
    const pending = new PendingStepStats();
    expect(await pending.read()).toEqual([]);
    pending.push(tf.tensor1d([0.5, 3]));
    pending.push(tf.tensor1d([0.25, 7]));
    expect(pending.size).toBe(2);
    expect(await pending.read()).toEqual([
      { loss: 0.5, hits: 3 },
      { loss: 0.25, hits: 7 },
    ]);
    expect(pending.size).toBe(0);
    pending.push(tf.tensor1d([1, 1]));
    pending.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('training with loss and hits read back in batches on wasm', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-read-back-wasm-'));
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('gives the metrics and weights of a read-back after every step, with a stable tensor count', () =>
    expectSameAsEveryStep(root, { epochs: 4 }));
});

// SwiftShader: 3 steps an epoch, 2 epochs.
describe.skipIf(missingWebgpu())('training with loss and hits read back in batches on webgpu', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-read-back-webgpu-'));
  beforeAll(() => initBackend({ backend: 'webgpu' }));

  it('gives the metrics and weights of a read-back after every step, with a stable tensor count', () =>
    expectSameAsEveryStep(root, { epochs: 2, dataset: { synthetic: { train_per_fine: 16, test_per_fine: 4 } } }));
});
