import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/io/manifest.js';
import { isActive } from '../../src/launch/slurm.js';
import { statusOf, type SuiteStatus } from '../../src/launch/status.js';
import { coneAsync, ROOT } from '../helpers/cli.js';
import { missingSystemPackage, unavailable } from '../helpers/system.js';
import { tinySpec } from '../helpers/tiny-spec.js';

/**
 * A suite through a real single-node Slurm (scripts/slurm-local.sh): same summary as a local run,
 * a cancelled task and a task warned of its time limit, resubmission of only the unfinished cell.
 * Its waits follow the jobs' states, not a deadline: on a loaded machine they only take longer.
 */
const missing =
  missingSystemPackage({
    path: '/usr/sbin/slurmctld',
    apt: 'slurm-wlm',
    use: 'the Slurm launcher test',
    executable: true,
  }) ||
  missingSystemPackage({ path: '/usr/sbin/munged', apt: 'munge', use: 'the Slurm launcher test', executable: true });

const SCRIPT = path.join(ROOT, 'scripts/slurm-local.sh');
/** Exit code of `slurm-local.sh start` on a machine with its own Slurm (a slurm.conf the script did not write). */
const OWN_SLURM = 3;
/** The last resort, never reached while the jobs make progress, however slowly. */
const TEST_LIMIT_MS = 1_200_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-slurm-'));
const suiteFile = path.join(dir, 'cluster.yaml');
const local = path.join(dir, 'local');
const onSlurm = path.join(dir, 'slurm');
const suiteDir = path.join(onSlurm, 'cluster');
// Long enough (a few seconds per cell) that a task picked at most half-way through is still training
// when it is signalled, even on a loaded machine.
const EPOCHS = 30;
let startedSlurm = false;

/**
 * Whether the test must skip (or, where CI=true, fail): Slurm's packages are missing, or this machine
 * has its own Slurm whose node takes no jobs (scripts/slurm-local.sh will not overwrite its slurm.conf;
 * its line says what to start). Starts the one-node Slurm of slurm-local.sh when it is not up.
 */
function slurmUnavailable(): boolean {
  if (missing) return true;
  if (spawnSync(SCRIPT, ['status']).status === 0) return false;
  const start = spawnSync(SCRIPT, ['start'], { encoding: 'utf8' });
  if (start.status === OWN_SLURM) return unavailable(`the Slurm launcher test: ${start.stderr.trim()}`);
  if (start.status !== 0) throw new Error(`${SCRIPT} start failed (exit ${start.status}): ${start.stderr}`);
  startedSlurm = true;
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const jobsActive = (s: SuiteStatus) =>
  [...s.cells.map((c) => c.slurm_state), s.finalize?.state].some((state) => state && isActive(state));

/**
 * Poll the suite's status (in this process: a CLI start per poll would be too slow to catch a task
 * training) until `done`. Gives up only when it can no longer happen: no job of the suite is pending
 * or running. statusOf asks Slurm before it reads the run folders, so files read after every job has
 * ended are final.
 */
async function until(what: string, done: (s: SuiteStatus) => boolean): Promise<SuiteStatus> {
  for (;;) {
    const s = statusOf(suiteDir);
    if (done(s)) return s;
    if (!jobsActive(s))
      throw new Error(
        `${what}: will not happen, no job of the suite is pending or running: ${JSON.stringify({ cells: s.cells.map((c) => [c.run_id, c.state, c.epoch, c.slurm_state]), finalize: s.finalize?.state })}`,
      );
    await sleep(200);
  }
}

const finalizeEnded = (s: SuiteStatus) =>
  s.finalize !== null && s.finalize.state !== null && !['PENDING', 'RUNNING', 'COMPLETING'].includes(s.finalize.state);

const manifest = (runId: string) =>
  JSON.parse(fs.readFileSync(path.join(suiteDir, 'runs', runId, 'manifest.json'), 'utf8')) as Manifest;

/**
 * What `#SBATCH --signal=B:USR1@<s>` does before the time limit: USR1 to the task's batch shell (found with
 * scontrol listpids; one node). Not `scancel --signal=USR1 --batch`: it retries while the task is being
 * requeued and would warn the requeued task again.
 */
function warnBatchShell(task: string): void {
  const id = execFileSync('squeue', ['-h', '-j', task, '-o', '%A'], { encoding: 'utf8' }).trim();
  const rows = execFileSync('scontrol', ['listpids', id], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));
  const shell = rows.find(([, , step, local]) => step === 'batch' && local === '0');
  expect(shell, `batch shell of ${task} in ${JSON.stringify(rows)}`).toBeDefined();
  process.kill(Number(shell![0]), 'SIGUSR1');
}

/** Submit the suite; returns the array job id printed. */
async function submit(): Promise<{ array: string; stdout: string }> {
  const r = await coneAsync(['run', suiteFile, '--launcher', 'slurm', '--out', onSlurm, '--backend', 'wasm']);
  expect(r.code, r.stderr).toBe(0);
  const array = /^array job (\d+):/m.exec(r.stdout)?.[1];
  expect(array, r.stdout).toBeDefined();
  return { array: array!, stdout: r.stdout };
}

describe.skipIf(slurmUnavailable())('cone run --launcher slurm on a real Slurm', () => {
  beforeAll(() => {
    // Two cells (one cancelled, one warned) and the cheap probes: the launcher is under test, not the probes.
    const { method: _m, ...spec } = tinySpec({ epochs: EPOCHS, probe: { probes: ['knn', 'ncc'] } });
    fs.writeFileSync(
      suiteFile,
      YAML.stringify({
        name: 'cluster',
        spec,
        grid: { 'method.name': ['ce', 'cone'] },
        launcher: { cpus_per_task: 1, time: '10' },
      }),
    );
  });

  afterAll(() => {
    if (startedSlurm) execFileSync(SCRIPT, ['stop'], { stdio: 'pipe' });
  });

  it(
    'runs the suite through Slurm with the summary of a local run; cancelled and warned tasks resume; resubmission runs only the unfinished cell',
    async () => {
      const t0 = Date.now();
      const first = await submit();
      // One task cancelled while it trains (scancel: SIGTERM, checkpoint, exit 130: it stays unfinished), and one
      // sent the time-limit warning as Slurm would (USR1 to the batch shell: checkpoint, requeue, resume).
      const training = (s: SuiteStatus) =>
        s.cells.filter(
          (c) => c.state === 'running' && c.slurm_state === 'RUNNING' && c.epoch >= 2 && c.epoch < EPOCHS / 2,
        );
      let s = await until('a cell training', (x) => training(x).length > 0);
      const cancelled = training(s)[0];
      expect(cancelled.job).toMatch(new RegExp(`^${first.array}_\\d$`));
      execFileSync('scancel', [cancelled.job!]);
      s = await until('another cell training', (x) => training(x).some((c) => c.run_id !== cancelled.run_id));
      const warned = training(s).find((c) => c.run_id !== cancelled.run_id)!;
      warnBatchShell(warned.job!);
      const viaCli = await coneAsync(['status', suiteDir]);
      expect(viaCli.code, viaCli.stderr).toBe(0);
      expect(viaCli.stdout).toMatch(new RegExp(`\\| ${cancelled.run_id} +\\| (running|interrupted)`));
      // Submitting again now would submit only the cancelled cell: the others are done or still in Slurm.
      await until(
        'the cancelled task to end',
        (x) => x.cells.find((c) => c.run_id === cancelled.run_id)!.slurm_state === 'CANCELLED',
      );
      const dry = await coneAsync(['run', suiteFile, '--launcher', 'slurm', '--out', onSlurm, '--dry-run']);
      expect(dry.stdout).toMatch(/2 cells, \d done, \d pending or running in Slurm, 1 to submit/);
      expect(dry.stdout).toMatch(new RegExp(`--array=0-0\n[\\s\\S]*cells=\\(\n  ${cancelled.run_id}\n\\)`));
      // The local run of the same suite, while Slurm holds the requeued task back.
      const localRun = coneAsync(['run', suiteFile, '--out', local, '--backend', 'wasm'], { timeoutMs: TEST_LIMIT_MS });

      s = await until('the finalize job', finalizeEnded);
      const byId = new Map(s.cells.map((c) => [c.run_id, c]));
      expect(byId.get(cancelled.run_id)).toMatchObject({ state: 'interrupted', slurm_state: 'CANCELLED' });
      for (const c of s.cells.filter((x) => x.run_id !== cancelled.run_id)) expect(c.state).toBe('done');
      expect(manifest(warned.run_id).details.resumed_from).toBe('interrupted');
      expect(fs.readFileSync(warned.log!, 'utf8')).toMatch(/requeueing .* to resume from it[\s\S]*restart 1/);
      // The finalize job reports the unfinished cell (and exits 1).
      expect(s.finalize!.state).toBe('FAILED');
      expect(fs.readFileSync(path.join(suiteDir, 'summary.md'), 'utf8')).toMatch(
        new RegExp(`## Failed cells\\n\\n- ${cancelled.run_id}: interrupted`),
      );
      const t1 = Date.now();

      const started = new Map(s.cells.map((c) => [c.run_id, manifest(c.run_id).started]));
      const again = await submit();
      expect(again.stdout.match(/^ {2}\d+_\d+ /gm)).toHaveLength(1);
      expect(again.stdout).toMatch(new RegExp(`^  ${again.array}_0  ${cancelled.run_id} `, 'm'));
      s = await until('the second finalize job', finalizeEnded);
      expect(s.finalize!.state).toBe('COMPLETED');
      expect(s.cells.every((c) => c.state === 'done')).toBe(true);
      // Only the unfinished cell ran again, and it continued from its checkpoint.
      for (const c of s.cells) {
        if (c.run_id === cancelled.run_id) expect(manifest(c.run_id).details.resumed_from).toBe('interrupted');
        else expect(manifest(c.run_id).started).toBe(started.get(c.run_id));
      }
      // Same seeds, same numbers: resumed cells included, the summary is the local run's.
      const r = await localRun;
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readFileSync(path.join(suiteDir, 'summary.csv'), 'utf8')).toBe(
        fs.readFileSync(path.join(local, 'cluster', 'summary.csv'), 'utf8'),
      );
      expect(fs.existsSync(path.join(suiteDir, 'report.html'))).toBe(true);

      // Nothing is left to submit.
      const last = await coneAsync(['run', suiteFile, '--launcher', 'slurm', '--out', onSlurm, '--dry-run']);
      expect(last.stdout).toMatch(/2 cells, 2 done, 0 pending or running in Slurm, 0 to submit/);
      console.info(
        `slurm test: first submission ${((t1 - t0) / 1000).toFixed(0)} s, resubmission ${((Date.now() - t1) / 1000).toFixed(0)} s`,
      );
    },
    TEST_LIMIT_MS,
  );
});
