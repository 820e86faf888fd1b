import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { InterruptedError } from '../../src/errors.js';
import { readCsv } from '../../src/io/csv.js';
import { resolveSpec } from '../../src/config/load.js';
import { loadCheckpointTensors } from '../../src/train/checkpoint.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { checkpointDir } from '../../src/train/trainer.js';
import { withoutTimings } from '../helpers/metrics.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-swap-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(() => initBackend({ backend: 'cpu' }));

const specIn = (out: string) => resolveSpec(tinySpec({ name: 'tiny', backend: 'cpu', output: out }), 'tiny.yaml');

function weightsOf(runDir: string): number[][] {
  const t = loadCheckpointTensors(checkpointDir(runDir));
  const all = [...t.model, ...Object.values(t.head), ...t.optimizer.map((o) => o.tensor)];
  const values = all.map((x) => Array.from(x.dataSync()));
  tf.dispose(all);
  return values;
}

/** Trains to the end; returns how often the trainer asked whether to stop (once per step and once per epoch). */
async function finish(spec: ReturnType<typeof specIn>): Promise<{ runDir: string; asked: number }> {
  let asked = 0;
  const r = await pretrain(spec, { stopWhen: () => (asked++, false) });
  expect(r.status).toBe('done');
  return { runDir: r.runDir, asked };
}

describe('a kill between the two renames of a checkpoint swap', () => {
  it('resumes from the new checkpoint in the temp folder, not from epoch 1, to the weights of an uninterrupted run', async () => {
    const straight = await finish(specIn(path.join(root, 'straight')));

    const spec = specIn(path.join(root, 'killed'));
    const runDir = path.join(spec.output, path.basename(straight.runDir));
    // Two checkpoints one step apart: after step 1 (the previous one) and after step 2 (the new one).
    await expect(pretrain(spec, { stopWhen: () => true })).rejects.toThrow(InterruptedError);
    const temp = path.join(runDir, `.tmp-checkpoint-4242-${Date.now()}`);
    fs.cpSync(checkpointDir(runDir), `${temp}-old`, { recursive: true });
    await expect(pretrain(spec, { stopWhen: () => true })).rejects.toThrow(/interrupted at epoch 1, step 2/);
    // What writeDirAtomic leaves when killed after `checkpoint -> <temp>-old` and before `<temp> -> checkpoint`.
    fs.renameSync(checkpointDir(runDir), temp);

    const resumed = await finish(spec);
    expect(straight.asked - resumed.asked).toBe(2);
    expect(weightsOf(runDir)).toEqual(weightsOf(straight.runDir));
    expect(withoutTimings(readCsv(path.join(runDir, 'metrics.csv')))).toEqual(
      withoutTimings(readCsv(path.join(straight.runDir, 'metrics.csv'))),
    );
    expect(fs.readdirSync(runDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});
