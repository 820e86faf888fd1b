import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { RunError } from '../errors.js';

/** A Slurm command failed or is missing; the message names the command and what it said. */
export class SlurmError extends RunError {}

/** The scheduler's view of one job, or of one task of a job array. */
export interface JobState {
  /** The array's job id, or the job id of a plain job. */
  job: string;
  /** The array task index; null for a plain job. */
  task: number | null;
  /** PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, ... */
  state: string;
  /** Why it is pending, or the exit code of a finished job ("0:0"); null when Slurm gives none. */
  reason: string | null;
}

/** States in which a job has not ended: it holds or waits for its cell. */
const ACTIVE = new Set([
  'PENDING',
  'RUNNING',
  'CONFIGURING',
  'COMPLETING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
  'STAGE_OUT',
  'SPECIAL_EXIT',
  'RESV_DEL_HOLD',
]);

export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}

/** "123_4" for a task, "123" for a plain job. */
export function jobKey(job: string, task: number | null): string {
  return task === null ? job : `${job}_${task}`;
}

/**
 * A Slurm job id as squeue/sacct print it: "123", "123_4", or a pending remainder of an array,
 * "123_[5-7,9%2]". Returns one entry per task; heterogeneous jobs ("123+0") are not ours.
 */
export function parseJobId(id: string): { job: string; task: number | null }[] {
  const m = /^(\d+)(?:_(\d+|\[([\d,-]+)(?:%\d+)?\]))?$/.exec(id.trim());
  if (!m) return [];
  const [, job, tasks, range] = m;
  if (tasks === undefined) return [{ job, task: null }];
  if (range === undefined) return [{ job, task: Number(tasks) }];
  return range.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => ({ job, task: a + i }));
  });
}

/** The first word of a state: sacct writes "CANCELLED by 0". */
function stateWord(s: string): string {
  return s.trim().split(/\s+/)[0] ?? '';
}

/** Output of `squeue -h -r -o '%i|%T|%r'` (see SQUEUE_FORMAT). */
export function parseSqueue(out: string): JobState[] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((line) => {
      const [id, state, reason] = line.split('|');
      const r = reason?.trim();
      return parseJobId(id).map((j) => ({ ...j, state: stateWord(state ?? ''), reason: r && r !== 'None' ? r : null }));
    });
}

/** Output of `sacct -n -P -X -o JobID,State,ExitCode` (see SACCT_FORMAT). */
export function parseSacct(out: string): JobState[] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((line) => {
      const [id, state, exit] = line.split('|');
      return parseJobId(id).map((j) => ({ ...j, state: stateWord(state ?? ''), reason: exit?.trim() || null }));
    });
}

const SQUEUE_FORMAT = '%i|%T|%r';
const SACCT_FORMAT = 'JobID,State,ExitCode';

function run(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number };
    if (err.code === 'ENOENT')
      throw new SlurmError(
        `${cmd} not found: run this on a Slurm login node (Debian: apt-get install slurm-client), or use --launcher local`,
      );
    const said = (err.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? err.message;
    throw new SlurmError(`${cmd} ${args.join(' ')} failed: ${said}`);
  }
}

/** Submit a script file; returns the job id. `args` come before the script (e.g. --dependency). */
export function sbatch(scriptFile: string, args: string[] = []): string {
  const out = run('sbatch', ['--parsable', ...args, scriptFile]).trim();
  const id = out.split(';')[0];
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch ${scriptFile}: expected a job id, got '${out}'`);
  return id;
}

/**
 * States of this user's jobs among `jobs` (array tasks one per line) from the controller: live ones,
 * and ended ones for the few minutes it keeps them (MinJobAge).
 */
export function queueStates(jobs: string[]): JobState[] {
  if (!jobs.length) return [];
  const wanted = new Set(jobs);
  return parseSqueue(
    run('squeue', ['-h', '-r', '-t', 'all', '-u', os.userInfo().username, '-o', SQUEUE_FORMAT]),
  ).filter((j) => wanted.has(j.job));
}

/**
 * Recorded states of `jobs` from accounting, or null when the cluster keeps none (no slurmdbd:
 * sacct then fails), in which case only the queue and the run folders tell what happened.
 */
export function accountingStates(jobs: string[]): JobState[] | null {
  if (!jobs.length) return [];
  try {
    return parseSacct(run('sacct', ['-n', '-P', '-X', '-j', jobs.join(','), '-o', SACCT_FORMAT]));
  } catch (e) {
    if (e instanceof SlurmError) return null;
    throw e;
  }
}

/** The newest known state per job/task key: the queue (live) wins over accounting. */
export function jobStates(jobs: string[]): { states: Map<string, JobState>; accounting: boolean } {
  const states = new Map<string, JobState>();
  const acct = accountingStates(jobs);
  for (const j of [...(acct ?? []), ...queueStates(jobs)]) states.set(jobKey(j.job, j.task), j);
  return { states, accounting: acct !== null };
}

export function scancel(jobs: string[]): void {
  if (jobs.length) run('scancel', jobs);
}
