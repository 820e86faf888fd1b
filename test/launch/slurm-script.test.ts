import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLauncher } from '../../src/launch/settings.js';
import { arrayScript, finalizeScript, shellQuote, type JobContext } from '../../src/launch/slurm-script.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-slurm-script-'));

/** Stands in for cone in a task: records its arguments, and on SIGTERM "checkpoints" and exits 130. */
const FAKE_CONE = `
import fs from 'node:fs';
const out = process.env.FAKE_OUT;
let terms = 0;
fs.writeFileSync(out + '/args.json', JSON.stringify(process.argv.slice(2)));
process.on('SIGTERM', () => { terms++; setTimeout(() => { fs.writeFileSync(out + '/terms', String(terms)); process.exit(130); }, 300); });
fs.writeFileSync(out + '/pid', String(process.pid));
setTimeout(() => process.exit(0), Number(process.env.FAKE_RUN_MS ?? 10000));
`;

function context(): JobContext {
  const bin = path.join(dir, 'fake cone.mjs');
  fs.writeFileSync(bin, FAKE_CONE);
  return {
    suiteName: 'my suite',
    suiteFile: '/abs/suites/s.yaml',
    outputRoot: '/abs/results',
    suiteDir: '/abs/results/my suite',
    node: process.execPath,
    coneBin: bin,
    backend: 'wasm',
  };
}

const cells = ['synthetic-ce-s0-aaaaaaaa', 'synthetic-cone-s0-bbbbbbbb', 'synthetic-cone-s1-cccccccc'];

/** Runs the array script as Slurm would run task 1 of job 5, with scontrol replaced by a recorder. */
async function runTask(
  signal: (bash: number, node: number) => void,
  runMs = 10_000,
): Promise<{ code: number | null; out: string; args: string[]; terms: number; scontrol: string }> {
  const work = fs.mkdtempSync(path.join(dir, 'task-'));
  const script = path.join(work, 'array.sh');
  fs.writeFileSync(script, arrayScript(context(), cells, resolveLauncher({ cpus_per_task: 3 }, {}, 'x')));
  fs.writeFileSync(
    path.join(work, 'scontrol'),
    `#!/bin/sh\necho "$@" >> ${shellQuote(path.join(work, 'scontrol.args'))}\n`,
    { mode: 0o755 },
  );
  const env = {
    ...process.env,
    PATH: `${work}:${process.env.PATH}`,
    SLURM_ARRAY_JOB_ID: '5',
    SLURM_ARRAY_TASK_ID: '1',
    SLURM_CPUS_PER_TASK: '3',
    FAKE_OUT: work,
    FAKE_RUN_MS: String(runMs),
  };
  const bash = spawn('bash', [script], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  bash.stdout.on('data', (b: Buffer) => (out += b.toString()));
  bash.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = new Promise<number | null>((resolve) => bash.on('close', resolve));
  const pidFile = path.join(work, 'pid');
  while (!fs.existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
  signal(bash.pid!, Number(fs.readFileSync(pidFile, 'utf8')));
  const read = (f: string) => (fs.existsSync(path.join(work, f)) ? fs.readFileSync(path.join(work, f), 'utf8') : '');
  return {
    code: await code,
    out,
    args: JSON.parse(read('args.json')),
    terms: Number(read('terms') || 0),
    scontrol: read('scontrol.args').trim(),
  };
}

describe('Slurm scripts', () => {
  it('array: one task per cell, the resources asked for, warning signal and requeue, logs in the suite folder', () => {
    const s = arrayScript(
      context(),
      cells,
      resolveLauncher(
        {
          partition: 'gpu',
          gres: 'gpu:1',
          time: '01:00:00',
          mem: '8G',
          account: 'lab',
          qos: 'normal',
          cpus_per_task: 4,
          max_running: 2,
          sbatch_args: ['--constraint=a100'],
        },
        {},
        'x',
      ),
    );
    const directives = s
      .split('\n')
      .filter((l) => l.startsWith('#SBATCH '))
      .map((l) => l.slice(8));
    expect(directives).toEqual([
      '--job-name=cone-my_suite',
      '--array=0-2%2',
      '--output=/abs/results/my suite/slurm/logs/%A_%a.log',
      '--open-mode=append',
      '--partition=gpu',
      '--account=lab',
      '--qos=normal',
      '--time=01:00:00',
      '--mem=8G',
      '--cpus-per-task=4',
      '--gres=gpu:1',
      '--constraint=a100',
      '--signal=B:USR1@120',
      '--requeue',
    ]);
    expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
  });

  it('finalize: one cpu, no gres, runs cone run --finalize on absolute paths', () => {
    const s = finalizeScript(
      context(),
      resolveLauncher({ partition: 'gpu', gres: 'gpu:1', cpus_per_task: 4 }, {}, 'x'),
    );
    expect(s).toMatch(/#SBATCH --cpus-per-task=1\n/);
    expect(s).not.toMatch(/gres/);
    expect(s).toMatch(/#SBATCH --output=\/abs\/results\/my suite\/slurm\/logs\/finalize-%j\.log/);
    expect(s).toMatch(/run \/abs\/suites\/s\.yaml --finalize --out \/abs\/results --backend wasm\n/);
    expect(spawnSync('bash', ['-n'], { input: s }).status).toBe(0);
  });

  it('a task runs its own cell with the task cpus as --threads', async () => {
    const r = await runTask(() => undefined, 0);
    expect(r.code).toBe(0);
    expect(r.args).toEqual([
      'run',
      '/abs/suites/s.yaml',
      '--cell',
      cells[1],
      '--threads',
      '3',
      '--out',
      '/abs/results',
      '--backend',
      'wasm',
    ]);
    expect(r.scontrol).toBe('');
  });

  it('the time-limit warning (USR1 to the batch shell) reaches node once as SIGTERM, and the task requeues itself', async () => {
    const r = await runTask((bash) => process.kill(bash, 'SIGUSR1'));
    expect(r.terms).toBe(1);
    expect(r.code).toBe(130);
    expect(r.scontrol).toBe('requeue 5_1');
  });

  it('scancel (SIGTERM to every process of the job): node gets one SIGTERM, the shell waits for its checkpoint, no requeue', async () => {
    const r = await runTask((bash) => process.kill(-bash, 'SIGTERM'));
    expect(r.terms).toBe(1);
    expect(r.code).toBe(130);
    expect(r.scontrol).toBe('');
  });
});
