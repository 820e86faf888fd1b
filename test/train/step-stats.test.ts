import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { PendingStepStats } from '../../src/train/step-stats.js';
import { trainDirect } from '../helpers/train-direct.js';
import { missingWebgpu } from '../helpers/webgpu.js';

/** Reading every step (as the trainer once did) and reading rarely give the same numbers, and no tensor piles up. */
async function expectSameAsEveryStep(root: string, changes: Record<string, unknown> = {}): Promise<void> {
  const everyStep = await trainDirect(root, changes, { readBackSteps: 1 });
  const rarely = await trainDirect(root, changes, { readBackSteps: 1000 });
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
