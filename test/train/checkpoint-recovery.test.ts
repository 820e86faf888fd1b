import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { saveCheckpoint, type TrainState } from '../../src/train/checkpoint.js';
import { completeCheckpoint, recoverCheckpoint } from '../../src/train/checkpoint-recovery.js';
import { Rng } from '../../src/util/rng.js';
import { expectNoTensorLeaks } from '../helpers/tensors.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-recover-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(() => initBackend({ backend: 'cpu' }));

/** Complete checkpoints after step 1 (the previous one) and step 2 (the new one), to copy into place. */
const saved: Record<number, string> = {};
beforeAll(async () => {
  for (const step of [1, 2]) {
    const state: TrainState = {
      format: 1,
      spec_hash: 'abcd1234',
      epoch: 0,
      step_in_epoch: step,
      global_step: step,
      epoch_seed: 7,
      rng: new Rng(0).state(),
      running: { loss_sum: 0, correct: 0, seen: 0, seconds: 0 },
      metrics: [],
    };
    const model = [tf.fill([3, 2], step), tf.fill([2], -step)];
    saved[step] = path.join(root, `saved-${step}`, 'checkpoint');
    await saveCheckpoint(saved[step], { model, head: {}, optimizer: [] }, state);
    tf.dispose(model);
  }
});

let runs = 0;
type Folder = { name: 'checkpoint' | 'temp' | 'old'; step: 1 | 2; partial?: 'no-state' | 'short-weights' };

/** A run folder holding `folders` as writeDirAtomic names them (temp = `.tmp-checkpoint-<pid>-<time>`). */
function runFolder(folders: Folder[]): string {
  const runDir = path.join(root, `run-${++runs}`);
  const temp = path.join(runDir, `.tmp-checkpoint-${4000 + runs}-${1_700_000_000_000 + runs}`);
  fs.mkdirSync(runDir);
  for (const f of folders) {
    const at = f.name === 'checkpoint' ? path.join(runDir, 'checkpoint') : f.name === 'temp' ? temp : `${temp}-old`;
    fs.cpSync(saved[f.step], at, { recursive: true });
    if (f.partial === 'no-state') fs.rmSync(path.join(at, 'state.json'));
    if (f.partial === 'short-weights') fs.truncateSync(path.join(at, 'weights.bin'), 8);
  }
  return runDir;
}

function recoveredStep(runDir: string): number | null {
  const state = recoverCheckpoint(path.join(runDir, 'checkpoint'));
  expect(fs.readdirSync(runDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  const onDisk = completeCheckpoint(path.join(runDir, 'checkpoint'));
  expect(onDisk?.global_step ?? null).toBe(state?.global_step ?? null);
  return state?.global_step ?? null;
}

describe('checkpoint recovery after a kill during the swap', () => {
  expectNoTensorLeaks();

  // Saving checkpoint 2 over checkpoint 1: fill <temp>, rename checkpoint -> <temp>-old, rename <temp> -> checkpoint, delete <temp>-old.
  const states: [string, Folder[], number | null][] = [
    ['nothing saved yet, the first save killed while filling', [{ name: 'temp', step: 2, partial: 'no-state' }], null],
    [
      'killed while filling the temp folder',
      [
        { name: 'checkpoint', step: 1 },
        { name: 'temp', step: 2, partial: 'no-state' },
      ],
      1,
    ],
    [
      'killed while writing weights.bin',
      [
        { name: 'checkpoint', step: 1 },
        { name: 'temp', step: 2, partial: 'short-weights' },
      ],
      1,
    ],
    [
      'killed after filling, before the first rename',
      [
        { name: 'checkpoint', step: 1 },
        { name: 'temp', step: 2 },
      ],
      2,
    ],
    [
      'killed between the two renames',
      [
        { name: 'old', step: 1 },
        { name: 'temp', step: 2 },
      ],
      2,
    ],
    [
      'killed after the second rename',
      [
        { name: 'checkpoint', step: 2 },
        { name: 'old', step: 1 },
      ],
      2,
    ],
    [
      'killed while deleting the old folder',
      [
        { name: 'checkpoint', step: 2 },
        { name: 'old', step: 1, partial: 'no-state' },
      ],
      2,
    ],
    [
      'the new folder damaged, the old one complete',
      [
        { name: 'checkpoint', step: 2, partial: 'short-weights' },
        { name: 'old', step: 1 },
      ],
      1,
    ],
    // A kill during recovery itself: the damaged folder moved aside, the complete one not yet in place.
    [
      'killed while recovering',
      [
        { name: 'old', step: 2, partial: 'short-weights' },
        { name: 'temp', step: 1 },
      ],
      1,
    ],
    ['a finished swap', [{ name: 'checkpoint', step: 2 }], 2],
  ];
  for (const [what, folders, step] of states) {
    it(`${what}: ${step === null ? 'no checkpoint' : `checkpoint ${step}`}`, () => {
      expect(recoveredStep(runFolder(folders))).toBe(step);
    });
  }

  it('leaves a damaged checkpoint that is the only copy for the loader to report', () => {
    const runDir = runFolder([{ name: 'checkpoint', step: 2, partial: 'short-weights' }]);
    expect(recoverCheckpoint(path.join(runDir, 'checkpoint'))).toBeNull();
    expect(fs.statSync(path.join(runDir, 'checkpoint', 'weights.bin')).size).toBe(8);
  });

  it('recovers from a kill at every rename of its own, and never deletes the only complete copy', () => {
    // Replay recovery of "between the two renames" with rename throwing at the k-th call, as a kill would stop it.
    for (let k = 1; k <= 2; k++) {
      const runDir = runFolder([
        { name: 'checkpoint', step: 1, partial: 'no-state' },
        { name: 'temp', step: 2 },
      ]);
      const rename = fs.renameSync;
      let calls = 0;
      fs.renameSync = (a, b) => {
        if (++calls === k) throw new Error('killed');
        rename(a, b);
      };
      try {
        expect(() => recoverCheckpoint(path.join(runDir, 'checkpoint'))).toThrow('killed');
      } finally {
        fs.renameSync = rename;
      }
      expect(recoveredStep(runDir)).toBe(2);
    }
  });
});
