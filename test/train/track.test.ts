import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { InterruptedError } from '../../src/errors.js';
import { RUN_FILES } from '../../src/io/run-layout.js';
import { readCsv } from '../../src/io/csv.js';
import { resolveSpec } from '../../src/config/load.js';
import { runId } from '../../src/config/hash.js';
import type { Spec } from '../../src/config/schema.js';
import { loadCheckpointTensors } from '../../src/train/checkpoint.js';
import { longtail } from '../../src/pipelines/longtail.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { checkpointDir } from '../../src/train/trainer.js';
import { withoutTimings } from '../helpers/metrics.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-track-'));
const TRACK = { every: 1, subset: 60, probes: ['linear', 'knn'] };

function specFor(out: string, changes: Record<string, unknown> = {}): Spec {
  return resolveSpec(
    tinySpec({ name: 'tiny', backend: 'wasm', output: path.join(root, out), track: TRACK, ...changes }),
    'tiny.yaml',
  );
}

function weights(runDir: string): number[][] {
  const t = loadCheckpointTensors(checkpointDir(runDir));
  const all = [...t.model, ...Object.values(t.head), ...t.optimizer.map((o) => o.tensor)];
  const values = all.map((x) => Array.from(x.dataSync()));
  tf.dispose(all);
  return values;
}

describe('tracking collapse over training', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it("writes trajectory.csv with the checkpoint: an interrupted and resumed run's equals an uninterrupted run's", async () => {
    const before = tf.memory().numTensors;
    const straight = await pretrain(specFor('straight'));
    expect(tf.memory().numTensors).toBe(before);

    const spec = specFor('interrupted');
    const runDir = path.join(spec.output, straight.runId);
    // Stop at the end of epoch 1 (after its tracking), then in the middle of epoch 2.
    await expect(pretrain(spec, { stopWhen: () => fs.existsSync(path.join(runDir, 'metrics.csv')) })).rejects.toThrow(
      InterruptedError,
    );
    expect(readCsv(path.join(runDir, RUN_FILES.trajectory)).map((r) => r.epoch)).toEqual(['1', '1', '1', '1']);
    let calls = 0;
    await expect(pretrain(spec, { stopWhen: () => ++calls >= 2 })).rejects.toThrow(/interrupted at epoch 2, step 2/);
    expect((await pretrain(spec)).status).toBe('done');
    expect(tf.memory().numTensors).toBe(before);

    const text = fs.readFileSync(path.join(runDir, RUN_FILES.trajectory), 'utf8');
    expect(text).toBe(fs.readFileSync(path.join(straight.runDir, RUN_FILES.trajectory), 'utf8'));
    expect(readCsv(path.join(runDir, RUN_FILES.trajectory))).toHaveLength(3 * 4);
  });

  it('leaves training untouched: same weights and metrics as the run without tracking, whose run id is unchanged', async () => {
    const tracked = await pretrain(specFor('straight'));
    const plainSpec = specFor('plain', { track: { every: 0, subset: 60 } });
    const plain = await pretrain(plainSpec);
    const { track: _, ...untracked } = tinySpec({ name: 'tiny' }) as Record<string, unknown>;
    expect(plain.runId).toBe(runId(resolveSpec(untracked, 'tiny.yaml')));
    expect(plain.runId).not.toBe(tracked.runId);
    expect(fs.existsSync(path.join(plain.runDir, RUN_FILES.trajectory))).toBe(false);
    expect(withoutTimings(readCsv(path.join(plain.runDir, 'metrics.csv')))).toEqual(
      withoutTimings(readCsv(path.join(tracked.runDir, 'metrics.csv'))),
    );
    expect(weights(plain.runDir)).toEqual(weights(tracked.runDir));
  });

  it('tracks a long-tail run on its long-tailed training images', async () => {
    const spec = specFor('longtail', {
      dataset: { level: 'fine' },
      method: { name: 'ce' },
      longtail: { imbalance: 4 },
      track: { every: 2, subset: 1000, probes: ['ncc'] },
    });
    const run = await longtail(spec);
    const rows = readCsv(path.join(run.runDir, RUN_FILES.trajectory));
    expect(rows.map((r) => r.epoch)).toEqual(['2', '2', '2', '2', '3', '3', '3', '3']);
    expect(Object.keys(rows[0]).slice(0, 5)).toEqual(['epoch', 'split', 'level', 'ncc', 'features']);
    // ce's learnt head gives directions at the training (fine) level only.
    const last = rows.filter((r) => r.epoch === '3');
    expect(Number(last.find((r) => r.split === 'test' && r.level === 'fine')!.angle_dir_mean)).toBeGreaterThan(0);
    expect(last.find((r) => r.split === 'test' && r.level === 'coarse')!.angle_dir_mean).toBe('NaN');
  });
});
