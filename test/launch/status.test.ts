import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/io/manifest.js';
import type { JobState } from '../../src/launch/slurm.js';
import { resolveSpec } from '../../src/config/load.js';
import { cellState } from '../../src/launch/status.js';
import { finishedTransferCell } from '../helpers/finished-cell.js';
import type { Cell } from '../../src/suite/expand.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-status-'));
let n = 0;

/** A run folder with a manifest of `status` (none when null). */
function cell(status: Manifest['status'] | null): Cell {
  const runDir = path.join(root, `run-${n++}`);
  fs.mkdirSync(runDir, { recursive: true });
  if (status)
    fs.writeFileSync(
      path.join(runDir, 'manifest.json'),
      JSON.stringify({ status, error: status === 'failed' ? 'loss became NaN at epoch 3' : null }),
    );
  return { index: n, runId: `run-${n}`, runDir, overrides: {}, spec: resolveSpec({ epochs: 10 }, 'test') };
}

const job = (state: string, reason: string | null = null): JobState => ({ job: '7', task: 0, state, reason });

describe('cell states', () => {
  it('done wins over anything Slurm says but a running task (it may be extracting and probing again)', async () => {
    const finished = await finishedTransferCell(path.join(root, 'finished'));
    for (const state of ['PENDING', 'COMPLETING', 'COMPLETED', 'CANCELLED'])
      expect(cellState(finished, 'transfer', job(state), true), state).toEqual({ state: 'done', detail: null });
    expect(cellState(finished, 'transfer', job('RUNNING'), true)).toEqual({
      state: 'running',
      detail: 'extract and probe',
    });
  }, 120_000);

  it('a manifest that is not JSON does not stop the table: the cell resumes from its checkpoint', () => {
    const broken = cell(null);
    fs.writeFileSync(path.join(broken.runDir, 'manifest.json'), '{"run_id": "x", "sta');
    expect(cellState(broken, 'transfer', null, false).state).toBe('pending');
  });

  it('an active Slurm task decides between pending and running', () => {
    expect(cellState(cell(null), 'transfer', job('PENDING', 'Resources'), true).state).toBe('pending');
    expect(cellState(cell('interrupted'), 'transfer', job('PENDING', 'BeginTime'), true)).toEqual({
      state: 'pending',
      detail: 'resumes from interrupted',
    });
    expect(cellState(cell('running'), 'transfer', job('RUNNING'), true)).toEqual({ state: 'running', detail: null });
    expect(cellState(cell('done'), 'transfer', job('RUNNING'), true)).toEqual({
      state: 'running',
      detail: 'extract and probe',
    });
  });

  it('otherwise the manifest: failed with its error, interrupted, never started', () => {
    expect(cellState(cell('failed'), 'transfer', job('FAILED', '1:0'), true)).toEqual({
      state: 'failed',
      detail: 'loss became NaN at epoch 3',
    });
    expect(cellState(cell('interrupted'), 'transfer', job('CANCELLED'), true).state).toBe('interrupted');
    expect(cellState(cell(null), 'transfer', null, false).state).toBe('pending');
  });

  it('a manifest still saying running whose task has ended was killed: stopped', () => {
    expect(cellState(cell('running'), 'transfer', job('CANCELLED', '0:9'), true)).toEqual({
      state: 'stopped',
      detail: 'slurm CANCELLED (0:9)',
    });
    expect(cellState(cell('running'), 'transfer', null, true).state).toBe('stopped');
    // Not submitted to Slurm: a local process may be running it.
    expect(cellState(cell('running'), 'transfer', null, false).state).toBe('running');
  });
});
