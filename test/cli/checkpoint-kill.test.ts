import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { readManifest } from '../../src/io/manifest.js';
import { cone, ROOT } from '../helpers/cli.js';
import { withoutTimings } from '../helpers/metrics.js';
import { missingSystemPackage } from '../helpers/system.js';
import { writeTinySpec } from '../helpers/tiny-spec.js';

/** strace injects the SIGKILL: skipped without it, required where CI=true (.ci/run installs it). */
const noStrace = missingSystemPackage({
  path: '/usr/bin/strace',
  apt: 'strace',
  use: 'the checkpoint kill test (fault injection)',
  executable: true,
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-kill-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const spec = writeTinySpec(dir, { backend: 'cpu', epochs: 4 });
const RENAMES = 'rename,renameat,renameat2';

function strace(args: string[], out: string) {
  return spawnSync(
    '/usr/bin/strace',
    [
      '-f',
      '-qq',
      ...args,
      process.execPath,
      path.join(ROOT, 'bin/cone.js'),
      'pretrain',
      '--config',
      spec,
      '--out',
      out,
      '--quiet',
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}

/**
 * From a trace of an uninterrupted run: the thread and rename syscall that moved the temp folder of
 * the second checkpoint into place (the second rename of the first swap that had a previous
 * checkpoint to move aside), and which call of that syscall by that thread it was.
 */
function secondRenameOfASwap(trace: string): { syscall: string; when: number } {
  const calls = trace
    .split('\n')
    .map((l) => /^(\d+)\s+(rename\w*)\((.*)$/.exec(l))
    .filter((m) => m !== null);
  const swap = calls.findIndex(
    (m, i) =>
      /\/\.tmp-checkpoint-\d+-\d+", /.test(m[3]) &&
      /\/checkpoint"/.test(m[3]) &&
      i > 0 &&
      /\/checkpoint", .*-old"/.test(calls[i - 1][3]),
  );
  if (swap < 0) throw new Error(`no checkpoint swap in the trace:\n${trace}`);
  const [, tid, syscall] = calls[swap];
  const when = calls.slice(0, swap + 1).filter((m) => m[1] === tid && m[2] === syscall).length;
  // strace counts calls per thread; no other thread may reach the same count.
  const others = new Map<string, number>();
  for (const m of calls) if (m[1] !== tid && m[2] === syscall) others.set(m[1], (others.get(m[1]) ?? 0) + 1);
  expect([...others.values()].every((n) => n < when)).toBe(true);
  return { syscall, when };
}

describe.skipIf(noStrace)('a SIGKILL between the two renames of a checkpoint swap (strace fault injection)', () => {
  it('leaves the new checkpoint in the temp folder, and the rerun resumes from it to the weights of an uninterrupted run', () => {
    const straightOut = path.join(dir, 'straight');
    const trace = path.join(dir, 'trace');
    const traced = strace(['-s', '4096', '-e', `trace=${RENAMES}`, '-o', trace], straightOut);
    expect(traced.status, traced.stderr).toBe(0);
    const { syscall, when } = secondRenameOfASwap(fs.readFileSync(trace, 'utf8'));

    const out = path.join(dir, 'killed');
    const killed = strace(
      ['-e', `trace=${syscall}`, '-e', `inject=${syscall}:signal=KILL:when=${when}`, '-o', '/dev/null'],
      out,
    );
    expect(String(killed.signal ?? killed.status), killed.stderr).toMatch(/SIGKILL|137/);
    const [runId] = fs.readdirSync(out);
    const runDir = path.join(out, runId);
    const names = fs.readdirSync(runDir);
    // The state between the renames: the previous checkpoint moved aside, the new one not yet in place.
    expect(names).not.toContain('checkpoint');
    const temps = names.filter((n) => n.startsWith('.tmp-checkpoint-'));
    expect(temps.map((n) => n.endsWith('-old')).sort()).toEqual([false, true]);
    const saved = JSON.parse(
      fs.readFileSync(path.join(runDir, temps.find((n) => !n.endsWith('-old'))!, 'state.json'), 'utf8'),
    );
    expect(saved.epoch).toBe(2);
    expect(readManifest(runDir)?.status).toBe('running');

    const resumed = cone(['pretrain', '--config', spec, '--out', out, '--quiet']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const rows = readCsv(path.join(runDir, 'metrics.csv'));
    // Epochs 1 and 2 come from the recovered checkpoint (their timings too), not from training again.
    expect(rows.slice(0, 2).map((r) => Number(r.seconds))).toEqual(
      saved.metrics.map((m: { seconds: number }) => m.seconds),
    );
    const straightDir = path.join(straightOut, runId);
    expect(withoutTimings(rows)).toEqual(withoutTimings(readCsv(path.join(straightDir, 'metrics.csv'))));
    for (const f of ['weights.bin', 'weights.json']) {
      expect(
        fs
          .readFileSync(path.join(runDir, 'checkpoint', f))
          .equals(fs.readFileSync(path.join(straightDir, 'checkpoint', f))),
        f,
      ).toBe(true);
    }
  });
});
