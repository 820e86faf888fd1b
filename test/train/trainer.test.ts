import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { RunError, InterruptedError } from '../../src/errors.js';
import { readCsv } from '../../src/io/csv.js';
import { readManifest } from '../../src/io/manifest.js';
import { resolveSpec } from '../../src/config/load.js';
import type { Spec } from '../../src/config/schema.js';
import { loadCheckpointTensors } from '../../src/train/checkpoint.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { checkpointDir } from '../../src/train/trainer.js';
import { withoutTimings } from '../helpers/metrics.js';
import { tinySpec } from '../helpers/tiny-spec.js';
import { missingWebgpu } from '../helpers/webgpu.js';

function specFor(backend: string, out: string, changes: Record<string, unknown> = {}): Spec {
  return resolveSpec(
    tinySpec({ name: 'tiny', optimizer: { name: 'sgd', lr: 0.05 }, backend, output: out, ...changes }),
    'tiny.yaml',
  );
}

async function finalWeights(runDir: string): Promise<Float32Array[]> {
  const t = loadCheckpointTensors(checkpointDir(runDir));
  const all = [...t.model, ...Object.values(t.head), ...t.optimizer.map((o) => o.tensor)];
  const values = await Promise.all(all.map(async (x) => (await x.data()) as Float32Array));
  tf.dispose(all);
  return values;
}

function deterministicColumns(runDir: string): Record<string, string>[] {
  return withoutTimings(readCsv(path.join(runDir, 'metrics.csv')));
}

/** Trains straight through, and again interrupted twice and resumed: both end with the same metrics and weights. */
async function expectExactResume(
  backend: string,
  root: string,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const before = tf.memory().numTensors;
  const straight = await pretrain(specFor(backend, path.join(root, `${name}-straight`), extra));
  expect(straight.status).toBe('done');
  expect(tf.memory().numTensors).toBe(before);

  // Stop after epoch 1 (at the epoch boundary), then once more in the middle of epoch 2.
  const spec = specFor(backend, path.join(root, `${name}-interrupted`), extra);
  const runDir = path.join(spec.output, straight.runId);
  await expect(pretrain(spec, { stopWhen: () => fs.existsSync(path.join(runDir, 'metrics.csv')) })).rejects.toThrow(
    InterruptedError,
  );
  expect(readManifest(runDir)?.status).toBe('interrupted');
  let calls = 0;
  await expect(pretrain(spec, { stopWhen: () => ++calls >= 2 })).rejects.toThrow(/interrupted at epoch 2, step 2/);
  const resumed = await pretrain(spec);
  expect(resumed.status).toBe('done');
  expect(tf.memory().numTensors).toBe(before);

  expect(deterministicColumns(runDir)).toEqual(deterministicColumns(straight.runDir));
  const [a, b] = [await finalWeights(straight.runDir), await finalWeights(runDir)];
  expect(a.length).toBe(b.length);
  a.forEach((w, i) => expect(Array.from(b[i])).toEqual(Array.from(w)));

  // A finished run is not trained again.
  const again = await pretrain(spec);
  expect(again.status).toBe('already-done');
}

for (const backend of ['cpu', 'wasm']) {
  describe(`training on ${backend}`, () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `cone-train-${backend}-`));
    beforeAll(() => initBackend({ backend: backend as 'cpu' | 'wasm' }));

    it('resumes an interrupted SGD run to the same weights and metrics as an uninterrupted one', () =>
      expectExactResume(backend, root, 'sgd'));

    it('resumes an augmented image run exactly (crops and flips replayed from the epoch seed)', () =>
      expectExactResume(backend, root, 'augment', {
        dataset: { synthetic: { dim: 64, image: true } },
        model: { name: 'resnet8', feature_dim: 8, width: 0.25 },
        augment: true,
      }));

    it('resumes an interrupted Adam run exactly, moments included', () =>
      expectExactResume(backend, root, 'adam', {
        optimizer: { name: 'adam', lr: 0.003 },
        schedule: { name: 'step', milestones: [2] },
      }));

    it('stops on a non-finite loss, names the epoch and step, and marks the run failed', async () => {
      const spec = specFor(backend, path.join(root, 'nan'), {
        method: { name: 'ce' },
        optimizer: { name: 'sgd', lr: 1e30, momentum: 0.9 },
        schedule: { name: 'constant' },
      });
      const before = tf.memory().numTensors;
      const err = await pretrain(spec).catch((e) => e);
      expect(err).toBeInstanceOf(RunError);
      expect(err.message).toMatch(/^loss is (NaN|Infinity|-Infinity) at epoch 1, step \d+; training stopped/);
      const runDir = fs.readdirSync(spec.output).map((d) => path.join(spec.output, d))[0];
      expect(readManifest(runDir)?.status).toBe('failed');
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

// SwiftShader runs a step in about a second: a smaller run (3 steps an epoch) that still stops
// between epochs and within one.
describe.skipIf(missingWebgpu())('training on webgpu', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-train-webgpu-'));
  beforeAll(() => initBackend({ backend: 'webgpu' }));

  it('resumes an interrupted run to the same weights and metrics as an uninterrupted one on webgpu', () =>
    expectExactResume('webgpu', root, 'sgd', { dataset: { synthetic: { train_per_fine: 16, test_per_fine: 4 } } }));
});
