import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { readManifest } from '../../src/io/manifest.js';
import { acquireLock } from '../../src/io/run-lock.js';
import { cone, ROOT } from '../helpers/cli.js';
import { withoutTimings } from '../helpers/metrics.js';
import { tinySpec, writeTinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// 6 epochs of 37 steps: long enough to kill a run in the middle.
const long = {
  dataset: { synthetic: { train_per_fine: 100, test_per_fine: 10 } },
  model: { hidden: [32] },
  epochs: 6,
  batch_size: 16,
  backend: 'wasm',
  threads: 1,
};
const spec = writeTinySpec(dir, long);

/** Start a cone command in the background; resolves with its exit code and stderr when it ends. */
function start(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/cone.js'), ...args], { cwd: ROOT });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

/** Resolves once `file(runDir)` exists in the only run folder under `out`. */
async function waitFor(out: string, file: string): Promise<string> {
  for (;;) {
    const runs = fs.existsSync(out) ? fs.readdirSync(out).filter((n) => !n.startsWith('.')) : [];
    if (runs.length && fs.existsSync(path.join(out, runs[0], file))) return path.join(out, runs[0]);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('one trainer per run folder', () => {
  it('refuses a second pretrain on a folder that is training, naming the holder, and the first finishes', async () => {
    const out = path.join(dir, 'two');
    const first = start(['pretrain', '--config', spec, '--out', out, '--quiet']);
    const runDir = await waitFor(out, 'metrics.csv');
    // Paused, so that it is still training (and not refreshing its lock) whatever the machine's load.
    first.child.kill('SIGSTOP');
    let second: ReturnType<typeof cone>;
    try {
      second = cone(['pretrain', '--config', spec, '--out', out, '--quiet']);
    } finally {
      first.child.kill('SIGCONT');
    }
    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`locked by pid ${first.child.pid} on ${os.hostname()} since \\d{4}-\\d\\d-\\d\\dT`),
    );
    const r = await first.done;
    // Paused past the lock's refresh window on a loaded machine, proper-lockfile says so (a warning, not
    // an error: on this host the holder's live pid keeps the lock); nothing else may be printed.
    expect(r.stderr.split('\n').filter((l) => l && !/ConeLockWarning|--trace-warnings/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(readManifest(runDir)?.status).toBe('done');
    expect(readCsv(path.join(runDir, 'metrics.csv'))).toHaveLength(6);
    expect(fs.existsSync(path.join(runDir, '.lock'))).toBe(false);
  });

  it('names the holder of each cell a --jobs worker could not lock (orphaned workers of a killed run)', async () => {
    const suite = path.join(dir, 'orphans.yaml');
    const { method: _, ...cellSpec } = tinySpec({ epochs: 1, probe: { probes: ['ncc'] } });
    fs.writeFileSync(suite, YAML.stringify({ name: 'orphans', spec: cellSpec, grid: { seed: [0, 1] } }));
    const out = path.join(dir, 'orphans');
    const ids = [...cone(['run', suite, '--out', out, '--dry-run']).stdout.matchAll(/^pending {2}\[\d\] (\S+)/gm)].map(
      (m) => m[1],
    );
    expect(ids).toHaveLength(2);
    // This test process stands for the orphans: alive, on this host, holding the cells' run folders.
    const releases = await Promise.all(
      ids.map((id) => acquireLock(path.join(out, 'orphans', 'runs', id), 'run folder')),
    );
    try {
      const r = cone(['run', suite, '--out', out, '--jobs', '2', '--quiet']);
      expect(r.code).toBe(1);
      for (const id of ids)
        expect(r.stderr).toMatch(
          new RegExp(
            `^warning: \\[\\d\\] ${id} failed \\(exit 2\\): \\S+/${id}: locked by pid ${process.pid} on ${os.hostname()} since \\S+, \\d+ s ago \\(`,
            'm',
          ),
        );
    } finally {
      for (const release of releases) await release();
    }
  });

  it('takes over at once the locks of a cone run killed with SIGKILL, and resumes its cell', async () => {
    const suite = path.join(dir, 'suite.yaml');
    const { method: _, ...cellSpec } = tinySpec({ ...long, probe: { probes: ['ncc'] } });
    fs.writeFileSync(suite, YAML.stringify({ name: 'killed', spec: cellSpec, grid: { 'method.name': ['cone'] } }));
    const out = path.join(dir, 'suite');
    const killed = start(['run', suite, '--out', out, '--quiet']);
    const runDir = await waitFor(path.join(out, 'killed', 'runs'), 'metrics.csv');
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    // The killed process could not release its locks (asserted last, after what a user sees).
    const left = ['.lock', path.join('runs', path.basename(runDir), '.lock')].filter((l) =>
      fs.existsSync(path.join(out, 'killed', l)),
    );

    const again = cone(['run', suite, '--out', out, '--quiet'], { timeoutMs: 300_000 });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readManifest(runDir)?.details.resumed_from).toBe('running');
    const straight = cone([
      'pretrain',
      '--config',
      spec,
      '--method',
      'cone',
      '--out',
      path.join(dir, 'straight'),
      '--quiet',
    ]);
    expect(straight.code).toBe(0);
    expect(withoutTimings(readCsv(path.join(runDir, 'metrics.csv')))).toEqual(
      withoutTimings(readCsv(path.join(straight.stdout.trim(), 'metrics.csv'))),
    );
    expect(left).toHaveLength(2);
  });
});
