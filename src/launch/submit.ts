import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { PACKAGE_ROOT } from '../io/package-root.js';
import { suiteDir, type Cell } from '../suite/expand.js';
import { planSuite } from '../suite/tune.js';
import { cellDone } from '../suite/run-suite.js';
import { requireDatasets } from '../pipelines/require-datasets.js';
import type { Suite } from '../suite/schema.js';
import { appendSubmission, lastTaskOfCell, readSubmissions } from './record.js';
import type { LauncherSettings } from './settings.js';
import { isActive, jobKey, jobStates, sbatch, scancel, type JobState } from './slurm.js';
import {
  arrayScript,
  finalizeLog,
  finalizeScript,
  logDir,
  slurmDir,
  taskLog,
  type JobContext,
} from './slurm-script.js';

export interface SubmitOptions {
  /** Results root; made absolute, as every path handed to a job. */
  outputRoot: string;
  dryRun: boolean;
  backend?: string;
}

/** What a submission does (all of it, in a dry run, except the job ids). */
export interface SubmitPlan {
  dir: string;
  cells: Cell[];
  /**
   * Main cells waiting for their group's tuning (suite `tune:`): not submitted, as their run ids name the
   * values it chooses; a later `cone run --launcher slurm`, once the tuning jobs ended, submits them.
   */
  waiting: number;
  done: Cell[];
  /** Cells whose task of an earlier submission is still pending or running. */
  active: Cell[];
  /** Cells of the new array, in task order. */
  submit: Cell[];
  /** Null when no cell needs submitting. */
  arrayScript: { file: string; text: string } | null;
  /** Null when an earlier finalize job still waits for the cells that are active. */
  finalizeScript: { file: string; text: string } | null;
  /** Array jobs of earlier submissions that the new finalize job also waits for. */
  waitsFor: string[];
  /** Pending finalize jobs of earlier submissions, replaced by the new one (cancelled). */
  supersedes: string[];
  /** The earlier finalize job that will write the summary when nothing new is submitted. */
  pendingFinalize: string | null;
}

export interface SubmitResult extends SubmitPlan {
  arrayJob: string | null;
  finalizeJob: string | null;
  /** Each submitted cell's task and log file. */
  logs: { runId: string; task: string; log: string }[];
  finalizeLog: string | null;
}

/** The sbatch command line of the finalize job (the array's id is known only once it is submitted). */
export function finalizeArgs(arrayJob: string | null, waitsFor: string[]): string[] {
  const deps = [...(arrayJob ? [arrayJob] : []), ...waitsFor];
  return deps.length ? [`--dependency=afterany:${deps.join(':')}`] : [];
}

function plan(suite: Suite, settings: LauncherSettings, opts: SubmitOptions): SubmitPlan {
  const outputRoot = path.resolve(opts.outputRoot);
  const dir = suiteDir(suite, outputRoot);
  const { cells, waiting } = planSuite(suite, { outputRoot });
  const subs = readSubmissions(dir);
  const tasks = lastTaskOfCell(subs);
  const jobs = [...new Set(subs.flatMap((s) => [s.array_job, s.finalize_job]).filter((j): j is string => j !== null))];
  const states: Map<string, JobState> = jobs.length ? jobStates(jobs).states : new Map();
  const activeJob = (key: string | undefined) => key !== undefined && isActive(states.get(key)?.state ?? '');

  const done = cells.filter((c) => cellDone(c, suite.pipeline));
  const active = cells.filter(
    (c) =>
      !done.includes(c) &&
      activeJob(tasks.has(c.runId) ? jobKey(tasks.get(c.runId)!.job, tasks.get(c.runId)!.task) : undefined),
  );
  const submit = cells.filter((c) => !done.includes(c) && !active.includes(c));
  // The nodes read the data where this machine does (shared storage): missing here, missing there.
  requireDatasets(
    submit.map((c) => c.spec),
    suite.file,
  );
  const activeArrays = [...new Set(active.map((c) => tasks.get(c.runId)!.job))];
  const finalizes = subs.map((s) => s.finalize_job).filter((j) => activeJob(j));
  // Every submission's finalize job waits for all arrays active when it was submitted, so when no cell
  // is new the latest finalize job not yet ended still writes the summary after the active cells.
  const pendingFinalize = submit.length === 0 ? (finalizes[finalizes.length - 1] ?? null) : null;

  const ctx: JobContext = {
    suiteName: suite.name,
    suiteFile: path.resolve(suite.file),
    outputRoot,
    suiteDir: dir,
    node: process.execPath,
    coneBin: path.join(PACKAGE_ROOT, 'bin', 'cone.js'),
    backend: opts.backend,
  };
  const n = subs.length + 1;
  const file = (kind: string) => path.join(slurmDir(dir), `${n}-${kind}.sh`);
  return {
    dir,
    cells,
    waiting,
    done,
    active,
    submit,
    arrayScript: submit.length
      ? {
          file: file('array'),
          text: arrayScript(
            ctx,
            submit.map((c) => c.runId),
            settings,
          ),
        }
      : null,
    finalizeScript: pendingFinalize ? null : { file: file('finalize'), text: finalizeScript(ctx, settings) },
    waitsFor: activeArrays,
    supersedes: pendingFinalize ? [] : finalizes.filter((j) => states.get(j)?.state !== 'RUNNING'),
    pendingFinalize,
  };
}

/**
 * `cone run --launcher slurm`: submit every cell that is neither done nor pending/running in Slurm as
 * one job array, and a finalize job after it (afterany) that writes the summary and the report.
 * A dry run returns the same plan and submits nothing.
 */
export function submitSuite(suite: Suite, settings: LauncherSettings, opts: SubmitOptions): SubmitResult {
  const p = plan(suite, settings, opts);
  const result: SubmitResult = { ...p, arrayJob: null, finalizeJob: null, logs: [], finalizeLog: null };
  if (opts.dryRun || (!p.arrayScript && !p.finalizeScript)) return result;
  // Slurm does not create the folder of --output: a task would fail without a word.
  fs.mkdirSync(logDir(p.dir), { recursive: true });
  if (p.arrayScript) {
    writeFileAtomic(p.arrayScript.file, p.arrayScript.text);
    result.arrayJob = sbatch(p.arrayScript.file);
    result.logs = p.submit.map((c, i) => ({
      runId: c.runId,
      task: jobKey(result.arrayJob!, i),
      log: taskLog(p.dir, result.arrayJob!, i),
    }));
  }
  if (p.finalizeScript) {
    writeFileAtomic(p.finalizeScript.file, p.finalizeScript.text);
    try {
      result.finalizeJob = sbatch(p.finalizeScript.file, finalizeArgs(result.arrayJob, p.waitsFor));
    } catch (e) {
      // Without its finalize job the array would leave no summary: take it back.
      if (result.arrayJob) scancel([result.arrayJob]);
      throw e;
    }
    result.finalizeLog = finalizeLog(p.dir, result.finalizeJob);
    if (p.supersedes.length) scancel(p.supersedes);
  }
  appendSubmission(p.dir, {
    submitted: new Date().toISOString(),
    suite_file: path.resolve(suite.file),
    output_root: path.resolve(opts.outputRoot),
    array_job: result.arrayJob,
    finalize_job: result.finalizeJob!,
    cells: p.submit.map((c) => c.runId),
    array_script: p.arrayScript?.file ?? null,
    finalize_script: p.finalizeScript!.file,
  });
  return result;
}
