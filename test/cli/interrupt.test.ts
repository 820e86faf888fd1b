import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { cone, ROOT } from '../helpers/cli.js';
import { withoutTimings } from '../helpers/metrics.js';
import { writeTinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-sigint-'));
const spec = writeTinySpec(dir, {
  // Long enough (8 epochs of 56 steps) that SIGINT lands mid-run.
  dataset: { synthetic: { train_per_fine: 150, test_per_fine: 10 } },
  model: { hidden: [32] },
  epochs: 8,
  batch_size: 16,
  backend: 'wasm',
  threads: 1,
});

/** Start `cone pretrain`, send SIGINT once its first epoch is in metrics.csv, and collect the outcome. */
function interruptAfterFirstEpoch(out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/cone.js'), 'pretrain', '--config', spec, '--out', out],
      { cwd: ROOT },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const poll = setInterval(() => {
      const runs = fs.existsSync(out) ? fs.readdirSync(out) : [];
      if (runs.length && fs.existsSync(path.join(out, runs[0], 'metrics.csv'))) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 20);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stderr });
    });
  });
}

describe('Ctrl-C during pretrain', () => {
  it('exits 130 with a resume command, and the resumed run matches an uninterrupted one', async () => {
    const interrupted = path.join(dir, 'interrupted');
    const r = await interruptAfterFirstEpoch(interrupted);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/cone: interrupted (at epoch \d+, step \d+|after epoch \d+); checkpoint saved/);
    expect(r.stderr).toMatch(/cone: resume with: cone pretrain --config/);
    const [runId] = fs.readdirSync(interrupted);
    expect(JSON.parse(fs.readFileSync(path.join(interrupted, runId, 'manifest.json'), 'utf8')).status).toBe(
      'interrupted',
    );
    expect(fs.existsSync(path.join(interrupted, runId, '.lock'))).toBe(false);

    const resumed = cone(['pretrain', '--config', spec, '--out', interrupted, '--quiet']);
    expect(resumed.code).toBe(0);
    const straight = cone(['pretrain', '--config', spec, '--out', path.join(dir, 'straight'), '--quiet']);
    expect(straight.code).toBe(0);
    const a = readCsv(path.join(interrupted, runId, 'metrics.csv'));
    const b = readCsv(path.join(dir, 'straight', runId, 'metrics.csv'));
    expect(a).toHaveLength(8);
    expect(withoutTimings(a)).toEqual(withoutTimings(b));
  });
});
