import fs from 'node:fs';
import path from 'node:path';
import { readCsv } from '../io/csv.js';
import { readManifest } from '../io/manifest.js';
import { runPath, SUITE_FILES } from '../io/run-layout.js';
import type { Override } from '../config/overrides.js';
import { UsageError } from '../errors.js';
import type { Cell } from '../suite/expand.js';
import { readOrigin, suiteFolderOf } from '../suite/origin.js';
import { planSuite } from '../suite/tune.js';
import { loadSuite } from '../suite/load.js';
import { cellDone } from '../suite/run-suite.js';
import type { Suite } from '../suite/schema.js';
import { lastTaskOfCell, readSubmissions, recordFile, type Submission } from './record.js';
import { isActive, jobKey, jobStates, SlurmError, type JobState } from './slurm.js';
import { finalizeLog, taskLog } from './slurm-script.js';

/**
 * done: the whole pipeline finished; running: in progress; pending: not started (or queued);
 * interrupted: stopped with a checkpoint, resumable; failed: ended with an error;
 * stopped: its process ended without recording why (killed), resumable from the last checkpoint.
 */
export type CellState = 'done' | 'running' | 'pending' | 'interrupted' | 'failed' | 'stopped';

export interface CellStatus {
  cell: number;
  run_id: string;
  method: string;
  seed: number;
  overrides: Record<string, unknown>;
  /** A tuning run of the suite's `tune:` (pretraining on a validation split). */
  tuning: boolean;
  state: CellState;
  /** Epochs finished (rows of metrics.csv) of `epochs`. */
  epoch: number;
  epochs: number;
  /** The error of a failed cell, or what a running one is doing. */
  detail: string | null;
  /** Slurm job of the cell's last submission ("123_4"), its state and reason/exit code. */
  job: string | null;
  slurm_state: string | null;
  slurm_reason: string | null;
  log: string | null;
}

export interface SuiteStatus {
  suite: string;
  dir: string;
  /** Where Slurm states came from: the queue alone when accounting (sacct) is not kept; null when never submitted or Slurm is not reachable. */
  scheduler: 'squeue+sacct' | 'squeue' | null;
  /** Why Slurm could not be asked, when it was needed. */
  scheduler_error: string | null;
  finalize: { job: string; state: string | null; log: string } | null;
  cells: CellStatus[];
  /** Main cells not listed: they wait for their group's tuning (their run ids name the values it chooses). */
  waiting: number;
}

function epochsDone(runDir: string): number {
  const file = runPath(runDir, 'metrics');
  return fs.existsSync(file) ? readCsv(file).length : 0;
}

/** A cell's state from its run folder, refined by what Slurm says about its last task. */
export function cellState(
  cell: Cell,
  pipeline: Suite['pipeline'],
  job: JobState | null,
  submitted: boolean,
): { state: CellState; detail: string | null } {
  // A running task may be rewriting the files (extract and probe of a trained cell): not done until it ends.
  if (job?.state !== 'RUNNING' && cellDone(cell, pipeline)) return { state: 'done', detail: null };
  const m = readManifest(cell.runDir);
  if (job && isActive(job.state)) {
    if (job.state !== 'RUNNING' && job.state !== 'COMPLETING')
      return { state: 'pending', detail: m ? `resumes from ${m.status}` : null };
    return { state: 'running', detail: m?.status === 'done' ? 'extract and probe' : null };
  }
  if (!m) return { state: 'pending', detail: null };
  if (m.status === 'failed') return { state: 'failed', detail: m.error };
  if (m.status === 'interrupted') return { state: 'interrupted', detail: 'resumes from its checkpoint' };
  // Training finished but the later steps did not, or the manifest still says running: if this cell's
  // Slurm task has ended, its process was killed before it could record anything.
  if (submitted && job && !isActive(job.state))
    return { state: 'stopped', detail: `slurm ${job.state}${job.reason ? ` (${job.reason})` : ''}` };
  if (submitted && !job) return { state: 'stopped', detail: 'its Slurm task is no longer in the queue' };
  return { state: m.status === 'done' ? 'stopped' : 'running', detail: null };
}

/** The suite's cells as a table of states; Slurm is asked only when the suite was submitted there. */
export function suiteStatus(
  suite: Suite,
  outputRoot: string,
  dir: string,
  overrides: readonly Override[] = [],
): SuiteStatus {
  const { cells, waiting } = planSuite(suite, { outputRoot, overrides });
  const subs: Submission[] = readSubmissions(dir);
  const tasks = lastTaskOfCell(subs);
  const last = subs[subs.length - 1];
  let states = new Map<string, JobState>();
  let scheduler: SuiteStatus['scheduler'] = null;
  let schedulerError: string | null = null;
  if (subs.length) {
    const jobs = [
      ...new Set(subs.flatMap((s) => [s.array_job, s.finalize_job]).filter((j): j is string => j !== null)),
    ];
    try {
      const r = jobStates(jobs);
      states = r.states;
      scheduler = r.accounting ? 'squeue+sacct' : 'squeue';
    } catch (e) {
      if (!(e instanceof SlurmError)) throw e;
      schedulerError = e.message;
    }
  }
  const rows = cells.map((cell): CellStatus => {
    const t = tasks.get(cell.runId);
    const job = t ? (states.get(jobKey(t.job, t.task)) ?? null) : null;
    const { state, detail } = cellState(cell, suite.pipeline, job, Boolean(t) && scheduler !== null);
    return {
      cell: cell.index,
      run_id: cell.runId,
      method: cell.spec.method.name,
      seed: cell.spec.seed,
      overrides: cell.overrides,
      tuning: Boolean(cell.tuning),
      state,
      epoch: epochsDone(cell.runDir),
      epochs: cell.spec.epochs,
      detail,
      job: t ? jobKey(t.job, t.task) : null,
      slurm_state: job?.state ?? null,
      slurm_reason: job?.reason ?? null,
      log: t ? taskLog(dir, t.job, t.task) : null,
    };
  });
  const finalize = last
    ? {
        job: last.finalize_job,
        state: states.get(last.finalize_job)?.state ?? null,
        log: finalizeLog(dir, last.finalize_job),
      }
    : null;
  return { suite: suite.name, dir, scheduler, scheduler_error: schedulerError, finalize, cells: rows, waiting };
}

/**
 * `cone status <target>`: a suite folder (its Slurm record or the origin `cone run` wrote names the
 * suite file), or a suite file with the results root it was run under. Spec fields set on the
 * command line of the folder's last run apply, as they changed its cells.
 */
export function statusOf(target: string, outputRoot = 'results'): SuiteStatus {
  if (!fs.existsSync(target)) throw new UsageError(`${target}: no such suite folder or suite file`);
  const dir = suiteFolderOf(target, outputRoot);
  const last = readSubmissions(dir).at(-1);
  const origin = readOrigin(dir);
  const file = fs.statSync(target).isDirectory() ? (last?.suite_file ?? origin?.suite_file) : path.resolve(target);
  if (!file)
    throw new UsageError(
      `${target}: no record of a cone run here (${SUITE_FILES.origin} or ${recordFile(dir)}); give the suite file: cone status <suite.yaml> [--out <results root>]`,
    );
  const sameSuite = origin && origin.suite_file === file;
  const root = last?.output_root ?? (sameSuite ? origin.output_root : path.resolve(outputRoot));
  return suiteStatus(loadSuite(file), root, dir, sameSuite ? origin.overrides : []);
}
