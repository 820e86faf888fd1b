import { spawn } from 'node:child_process';
import path from 'node:path';
import { overrideArg, type Override } from '../config/overrides.js';
import { ConeError, fromSystemError, InterruptedError, UsageError } from '../errors.js';
import { extractFeatures } from '../pipelines/extract.js';
import { probeFeatures } from '../pipelines/probe-run.js';
import { readManifest } from '../io/manifest.js';
import { PACKAGE_ROOT } from '../io/package-root.js';
import { acquireLock, withRunLock } from '../io/run-lock.js';
import { writeReport } from '../report/index.js';
import { LONGTAIL_FILES, longtail } from '../pipelines/longtail.js';
import { pretrain } from '../pipelines/pretrain.js';
import { requireDatasets } from '../pipelines/require-datasets.js';
import { invalidRunOutputs } from '../pipelines/training-run.js';
import type { DerivedFile } from '../pipelines/run-files.js';
import { gridValuesText, groupCells, type CellResult, type Group } from './aggregate.js';
import { cellMetrics, cellRun, metricNames } from './cell-metrics.js';
import { checkSuiteNames, evaluateExpectations, type ExpectationOutcome } from './expectations.js';
import { suiteDir, type Cell } from './expand.js';
import { writeOrigin } from './origin.js';
import { writeSummary } from './summary.js';
import { planSuite, tuningCellDone, type SuitePlan, type TuningGroup } from './tune.js';
import { writeTuningCsv } from './tuning-file.js';
import type { Suite } from './schema.js';
import { SILENT, type Reporter } from '../reporter.js';
import { SignalStop } from '../util/interruption.js';

export interface RunSuiteOptions {
  outputRoot: string;
  jobs: number;
  dryRun: boolean;
  /** Spec fields set on the command line, for every cell (and passed on to worker processes). */
  overrides?: readonly Override[];
  /** The command line, recorded in summary.md. */
  command: string;
  /** Run only this cell (the worker processes of --jobs, the tasks of a Slurm array). */
  onlyCell?: string;
  /** Run no cell: aggregate the finished ones, check expectations, report the rest (Slurm's finalize job). */
  finalizeOnly?: boolean;
  /** Where progress goes (a cell started, finished or failed, and the in-process cells' own); default SILENT. */
  reporter?: Reporter;
}

export interface SuiteOutcome {
  dir: string;
  cells: Cell[];
  /** The cells not done when the run began (with dryRun: those a run would run; with onlyCell: that cell). */
  pending: Cell[];
  groups: Group[];
  /** The method the others are compared with (the suite's, else ce when in the grid); null when none. */
  baseline: string | null;
  /** The suite's tuning groups (`tune:`), as far as they got; empty without tune:. */
  tuning: TuningGroup[];
  /** Main cells still waiting for their group's tuning (not in `cells`: their run ids are not known yet). */
  waiting: number;
  /** Under --finalize: main cells that tuning has made known but no submission has run yet (not failures). */
  unsubmitted?: number;
  outcomes: ExpectationOutcome[];
  failed: { runId: string; error: string }[];
  /** summary.md, once written. */
  summary: string | null;
  report: string | null;
}

/** What extract and probe write in a transfer cell's run folder. */
const TRANSFER_FILES: readonly DerivedFile[] = ['features', 'probe', 'geometry', 'angles'];

/**
 * A cell is done when its run is done and every file its pipeline derives is valid (the summary and
 * the report read them; docs/design.md §8); a cell with a file lost or damaged is run again, which
 * rebuilds it from the checkpoint and the features.
 */
export function cellDone(cell: Cell, pipeline: Suite['pipeline']): boolean {
  if (cell.tuning) return tuningCellDone(cell);
  return (
    readManifest(cell.runDir)?.status === 'done' &&
    !invalidRunOutputs(cell.runDir, cellRun(cell, pipeline), pipeline === 'transfer' ? TRANSFER_FILES : LONGTAIL_FILES)
      .length
  );
}

/**
 * One cell through its pipeline, holding its run folder's lock throughout; training resumes from a
 * checkpoint, a finished training is not redone. SIGINT/SIGTERM stops the probes within moments
 * (InterruptedError; a Slurm grace period is short); one that comes after their last interruption
 * point finds the cell done, and then resolves to true: run no further cell.
 */
export function runCell(cell: Cell, suite: Suite, reporter: Reporter): Promise<boolean> {
  return withRunLock(cell.runDir, async () => {
    // A tuning run is scored by its pretraining alone (its metrics.csv on the validation split).
    if (cell.tuning) {
      await pretrain(cell.spec, { reporter });
      return false;
    }
    if (suite.pipeline === 'longtail') {
      await longtail(cell.spec, { reporter });
      return false;
    }
    await pretrain(cell.spec, { reporter });
    const features = await extractFeatures(cell.runDir, { split: 'both', reporter });
    const stop = new SignalStop().listen();
    try {
      await probeFeatures(features, cell.spec.probe, stop.signal, reporter);
    } finally {
      stop.release();
    }
    return stop.signal.aborted;
  });
}

/** Runs cells in worker processes, at most `jobs` at once; each worker is `cone run <suite> --cell <id>`. */
async function runInWorkers(
  cells: Cell[],
  suite: Suite,
  opts: RunSuiteOptions,
  reporter: Reporter,
  onCellEnd: () => Promise<unknown>,
): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  const queue = [...cells];
  const bin = path.join(PACKAGE_ROOT, 'bin', 'cone.js');
  const worker = async () => {
    for (let cell = queue.shift(); cell; cell = queue.shift()) {
      const args = [bin, 'run', suite.file, '--cell', cell.runId, '--out', opts.outputRoot, '--quiet'];
      for (const o of opts.overrides ?? []) args.push(overrideArg(o));
      const stderr: string[] = [];
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
        child.on('close', resolve);
      });
      if (code === 0) reporter.info(`[${cell.index}] ${cell.runId}: done`);
      else {
        // The worker's own last line says why (a lock's holder, a NaN loss), as an in-process cell's failure does.
        const error =
          stderr
            .join('')
            .trim()
            .split('\n')
            .pop()
            ?.replace(/^cone: /, '') || `exit ${code}`;
        reporter.warn(`[${cell.index}] ${cell.runId} failed (exit ${code}): ${error}`);
        errors.set(cell.runId, error);
      }
      await onCellEnd();
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, cells.length) }, worker));
  return errors;
}

/**
 * `cone run`: expand the suite, run every cell not yet done (one after another, or in --jobs worker
 * processes), keep going past a failed cell, then aggregate, check expectations and write the report.
 * With `tune:` it runs in two rounds: the tuning cells, then the main cells of every group whose
 * tuning chose its values (suite/tune.ts).
 */
export async function runSuite(suite: Suite, opts: RunSuiteOptions): Promise<SuiteOutcome> {
  const expandOptions = { outputRoot: opts.outputRoot, overrides: opts.overrides };
  let plan: SuitePlan = planSuite(suite, expandOptions);
  // Without tune: the cells never change while the suite runs; with it, each look reads the tuning so far.
  const replan = () => {
    if (suite.tune) plan = planSuite(suite, expandOptions);
    return plan;
  };
  checkSuiteNames(suite, metricNames(suite.pipeline), [...new Set(plan.cells.map((c) => c.spec.method.name))]);
  const dir = suiteDir(suite, opts.outputRoot);
  const reporter = opts.reporter ?? SILENT;
  const none = { groups: [], baseline: null, outcomes: [], failed: [], summary: null, report: null };

  if (opts.onlyCell) {
    const cell = plan.cells.find((c) => c.runId === opts.onlyCell);
    if (!cell)
      throw new UsageError(
        `--cell: no cell ${JSON.stringify(opts.onlyCell)} in ${suite.file}${plan.waiting ? ` (${plan.waiting} cells wait for their tuning to finish)` : ''}; list its cells with \`cone run ${suite.file} --dry-run\``,
      );
    requireDatasets([cell.spec], suite.file);
    await runCell(cell, suite, reporter);
    return { dir, cells: [cell], pending: [cell], ...none, tuning: [], waiting: 0 };
  }

  const pending = plan.cells.filter((c) => !cellDone(c, suite.pipeline));
  const toRun = opts.finalizeOnly ? [] : pending;
  // Missing data is found once, here (also under --dry-run), not once per cell after the others ran.
  requireDatasets(
    toRun.map((c) => c.spec),
    suite.file,
  );
  if (opts.dryRun) return { dir, cells: plan.cells, pending, ...none, tuning: plan.tuning, waiting: plan.waiting };

  // One `cone run` per suite folder (see io/run-lock.ts); its cells lock their run folders in turn.
  const release = await acquireLock(dir, 'suite folder');
  try {
    writeOrigin(dir, { suite_file: suite.file, output_root: opts.outputRoot, overrides: [...(opts.overrides ?? [])] });
    const cellCount = () => plan.cells.length + plan.waiting;
    const waitedAtStart = plan.waiting;
    const tuningCount = plan.cells.filter((c) => c.tuning).length;
    reporter.info(
      `${suite.name}: ${cellCount()} cells${suite.tune ? ` (${tuningCount} tuning, ${plan.waiting} waiting for it)` : ''}, ${plan.cells.length - pending.length} already done, ${toRun.length} to run${plan.waiting ? ' now' : ''} -> ${dir}`,
    );
    const errors = new Map<string, string>();
    /**
     * summary.csv, summary.md, tuning.csv and report.html of the cells done so far. Written before the
     * first cell and again as each finishes (expectations only at the end), so `cone report` and a
     * browser can follow the suite; the report adds the running cells' epochs so far from their run folders.
     */
    const summarise = async (final: boolean) => {
      const { cells, tuning, waiting } = replan();
      const main = cells.filter((c) => !c.tuning);
      const results: CellResult[] = main
        .filter((c) => cellDone(c, suite.pipeline))
        .map((cell) => ({ cell, metrics: cellMetrics(cell, suite.pipeline) }));
      const groups = groupCells(results);
      const outcomes = final ? evaluateExpectations(suite.expectations, groups, suite.file) : [];
      // Under --finalize (Slurm's finalize job) a main cell of a tuned suite that never started was not
      // known when the tuning was submitted: it waits for the next submission rather than failed.
      const unsubmitted =
        opts.finalizeOnly && suite.tune
          ? main.filter((c) => !cellDone(c, suite.pipeline) && !readManifest(c.runDir))
          : [];
      const failed = cells
        .filter((c) => final && !cellDone(c, suite.pipeline) && !unsubmitted.includes(c))
        .map((c) => ({
          runId: c.runId,
          error: errors.get(c.runId) ?? readManifest(c.runDir)?.error ?? 'not finished',
        }));
      if (final && waiting)
        failed.push({
          runId: `${waiting} cells`,
          error: "not run: their group's tuning did not finish, or every value set it tried diverged (tuning.csv)",
        });
      const baseline = suite.baseline ?? (groups.some((g) => g.method === 'ce') ? 'ce' : null);
      if (suite.tune) writeTuningCsv(dir, suite.tune, tuning);
      const files = writeSummary(dir, {
        suite,
        results,
        groups,
        baseline,
        outcomes,
        failedCells: failed,
        command: opts.command,
        inProgress: final ? undefined : { done: results.length, cells: main.length + waiting },
        tuning,
        unsubmitted: unsubmitted.length,
      });
      const report = suite.report && results.length ? await writeReport(dir, baseline) : null;
      return {
        groups,
        baseline,
        outcomes,
        failed,
        summary: files.md,
        report,
        tuning,
        waiting,
        unsubmitted: unsubmitted.length,
      };
    };
    // Interim refreshes run one at a time; one that fails is a warning, not the suite's failure.
    let refreshing: Promise<unknown> = Promise.resolve();
    const refresh = () => {
      refreshing = refreshing
        .then(() => summarise(false))
        .catch((e) => reporter.warn(`refreshing the summary failed: ${e instanceof Error ? e.message : String(e)}`));
      return refreshing;
    };
    const runCells = async (batch: Cell[]) => {
      if (opts.jobs > 1 && batch.length > 1) {
        for (const [k, v] of await runInWorkers(batch, suite, opts, reporter, refresh)) errors.set(k, v);
        return;
      }
      for (const cell of batch) {
        reporter.info(
          `[${cell.index}/${cellCount()}] ${cell.runId}${cell.tuning ? ' (tuning)' : ''}  ${gridValuesText(cell.overrides)}`.trimEnd(),
        );
        try {
          if (await runCell(cell, suite, reporter))
            throw new InterruptedError(`interrupted after ${cell.runId} finished; the cells after it did not run`);
        } catch (caught) {
          if (caught instanceof InterruptedError) throw caught;
          const e = caught instanceof ConeError ? caught : (fromSystemError(caught) ?? caught);
          const message = e instanceof Error ? e.message : String(e);
          reporter.warn(`${cell.runId} failed: ${message}`);
          errors.set(cell.runId, message);
          if (!(e instanceof ConeError))
            reporter.warn('(an internal error: run the cell alone with --verbose for the stack trace)');
        }
        await refresh();
      }
    };
    await refresh();
    await runCells(toRun);
    await refreshing;
    if (!opts.finalizeOnly && waitedAtStart) {
      // The tuning has run: the groups it finished now know their values, and so their main cells.
      const tried = new Set(toRun.map((c) => c.runId));
      const chosen = replan().cells.filter((c) => !tried.has(c.runId) && !cellDone(c, suite.pipeline));
      if (chosen.length) reporter.info(`${suite.name}: tuning chose; ${chosen.length} cells to run with its values`);
      await runCells(chosen);
      await refreshing;
    }
    const final = await summarise(true);
    return { dir, cells: plan.cells, pending, ...final };
  } finally {
    await release();
  }
}
