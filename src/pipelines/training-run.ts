import fs from 'node:fs';
import path from 'node:path';
import { initBackend, runsOn } from '../backend/select.js';
import { ConeError, DivergedError, InterruptedError, RunError } from '../errors.js';
import { removeStaleTemps, writeFileAtomic } from '../io/atomic.js';
import { finishManifest, newManifest, readManifestFile, writeManifest, type Manifest } from '../io/manifest.js';
import { LOCK_DIR, withRunLock } from '../io/run-lock.js';
import { runLogger } from '../log.js';
import { SILENT, type Reporter } from '../reporter.js';
import { runId, specHash, type RunKind } from '../config/hash.js';
import { specToYaml } from '../config/load.js';
import type { Spec } from '../config/schema.js';
import { StopRequest } from '../train/interrupt.js';
import type { TrainTask } from '../data/task.js';
import { recoverCheckpoint } from '../train/checkpoint-recovery.js';
import { checkpointDir, train, type Trained, type Tracker } from '../train/trainer.js';
import { runPath } from '../io/run-layout.js';
import { tensorboardHooks } from './epoch-scalars.js';
import { invalidRunFiles, trainingFiles, type DerivedFile, type RunContext } from './run-files.js';

export interface RunFolder {
  runId: string;
  runDir: string;
}

export function runFolder(spec: Spec, kind: RunKind): RunFolder {
  const id = runId(spec, kind);
  return { runId: id, runDir: path.join(spec.output, id) };
}

export interface TrainingRunOptions {
  /** Manifest `kind`; part of the run id. */
  kind: RunKind;
  /** Where notices and training progress go; default SILENT. */
  reporter?: Reporter;
  /** Extra stop condition (tests use it to interrupt a run at a chosen point). */
  stopWhen?: () => boolean;
  /** Build the task once the backend is up (loads data, builds splits, may write files into the run folder). */
  task: (runDir: string) => Promise<TrainTask>;
  /** Work to do with the trained model before the run is marked done (e.g. long-tail evaluation). */
  after?: (trained: Trained, task: TrainTask, runDir: string, manifest: Manifest) => Promise<void>;
  /** Files that `task` and `after` write into the run folder (a done run with one not valid is redone from its checkpoint). */
  outputs?: readonly DerivedFile[];
  /** Per-epoch measurements of the network on the task (spec.track), if on. */
  track?: (task: TrainTask) => Tracker;
}

/** Seconds spent tracking vs training (the sum of metrics.csv `seconds`), into the log, the manifest and the reporter. */
function reportTrackingCost(
  trained: Trained,
  manifest: Manifest,
  log: ReturnType<typeof runLogger>,
  reporter: Reporter,
  id: string,
): void {
  const training = trained.metrics.reduce((s, r) => s + r.seconds, 0);
  const cost = {
    tracking_seconds: trained.trackSeconds,
    training_seconds: training,
    fraction: trained.trackSeconds / training,
  };
  manifest.details.tracking = cost;
  log.info(cost, 'tracking cost');
  reporter.info(
    `${id}: tracking took ${cost.tracking_seconds.toFixed(1)} s, ${(100 * cost.fraction).toFixed(1)}% of the ${training.toFixed(1)} s of training steps`,
  );
}

/**
 * The derived files of a run that are not valid (one line each, naming the file): those every
 * training run writes (trainingFiles) and the run kind's `outputs`.
 */
export function invalidRunOutputs(runDir: string, run: RunContext, outputs: readonly DerivedFile[] = []): string[] {
  return invalidRunFiles(runDir, [...trainingFiles(run.spec), ...outputs], run);
}

/** Forget a run (its folder) so that it starts over; refused while another process holds the folder. */
export async function discardRun(spec: Spec, kind: RunKind): Promise<void> {
  const { runDir } = runFolder(spec, kind);
  if (!fs.existsSync(runDir)) return;
  await withRunLock(runDir, async () => {
    for (const name of fs.readdirSync(runDir))
      if (name !== LOCK_DIR) fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  });
}

export type TrainingRunResult = RunFolder & { status: 'done' | 'already-done'; manifest: Manifest };

/**
 * One training run in its folder (docs/design.md §6): resolved spec, manifest lifecycle, backend,
 * training with checkpoints, and a clean record of how it ended. A finished run is not redone, but
 * the files it derives from its checkpoint are rebuilt when lost. One process per run folder.
 */
export function trainingRun(spec: Spec, opts: TrainingRunOptions): Promise<TrainingRunResult> {
  return withRunLock(runFolder(spec, opts.kind).runDir, () => lockedTrainingRun(spec, opts));
}

async function lockedTrainingRun(spec: Spec, opts: TrainingRunOptions): Promise<TrainingRunResult> {
  const { runId: id, runDir } = runFolder(spec, opts.kind);
  const reporter = opts.reporter ?? SILENT;
  const { manifest: previous, unreadable } = readManifestFile(runDir);
  const invalid = previous?.status === 'done' ? invalidRunOutputs(runDir, { spec, kind: opts.kind }, opts.outputs) : [];
  if (previous?.status === 'done' && !invalid.length) {
    reporter.info(`${runDir}: already done (run id ${id}); delete the folder to train again`);
    return { runId: id, runDir, status: 'already-done', manifest: previous };
  }
  if (invalid.length) reporter.info(`${runDir}: done, but ${invalid.join('; ')}; rebuilding from the checkpoint`);
  // The manifest is a record: a damaged one is replaced, and the run resumes from its checkpoint.
  if (unreadable) reporter.warn(`${unreadable}; recovering the run from its checkpoint`);
  // Only now, holding the lock: a kill during a checkpoint swap may have left the newest checkpoint in a temp folder.
  recoverCheckpoint(checkpointDir(runDir));
  removeStaleTemps(runDir);
  writeFileAtomic(runPath(runDir, 'spec'), specToYaml(spec));
  const hash = specHash(spec, opts.kind);
  const manifest = newManifest({ run_id: id, kind: opts.kind, spec_hash: hash, seed: spec.seed });
  if (previous ?? unreadable) manifest.details.resumed_from = previous?.status ?? 'unreadable manifest';
  writeManifest(runDir, manifest);
  const log = runLogger(runDir);
  const progress = reporter.training(id);
  const stop = new StopRequest(opts.stopWhen, (signal) => progress.stopping(signal)).listen();
  try {
    const backend = await initBackend({
      backend: spec.backend,
      threads: spec.threads ?? undefined,
      log: (m) => reporter.warn(m),
    });
    manifest.backend = backend.name;
    manifest.threads = backend.threads;
    if (backend.adapter) {
      const { vendor, architecture, description } = backend.adapter;
      manifest.adapter = { vendor, architecture, description };
    }
    writeManifest(runDir, manifest);
    log.info({ backend }, 'backend');
    reporter.info(`${id}: ${opts.kind} on ${backend.name} (${runsOn(backend)})`);
    const task = await opts.task(runDir);
    const tensorboard = spec.tensorboard ? tensorboardHooks(runDir) : null;
    const tracker = opts.track?.(task);
    const trained = await train(task, {
      spec,
      specHash: hash,
      runDir,
      stop,
      progress,
      onEpoch: (row, trackSeconds) => {
        log.info({ ...row, ...(opts.track ? { track_seconds: trackSeconds } : {}) }, 'epoch');
        tensorboard?.onEpoch(row);
      },
      // Said only once a checkpoint is loaded: a run folder without one starts from epoch 1.
      onResume: (s) =>
        reporter.info(
          `${id}: resuming from the checkpoint after ${s.epoch} epoch${s.epoch === 1 ? '' : 's'}${s.step_in_epoch ? ` and ${s.step_in_epoch} steps` : ''}`,
        ),
      track: tensorboard ? tensorboard.wrap(tracker) : tracker,
    });
    try {
      manifest.details.epochs = trained.metrics.length;
      manifest.details.final = trained.metrics[trained.metrics.length - 1];
      if (opts.track) reportTrackingCost(trained, manifest, log, reporter, id);
      await opts.after?.(trained, task, runDir, manifest);
    } finally {
      trained.dispose();
    }
    // Everything was just written from the checkpoint; a file still not valid is a failure, by name.
    const [broken] = invalidRunOutputs(runDir, { spec, kind: opts.kind }, opts.outputs);
    if (broken)
      throw new RunError(`${broken}, even as rebuilt from the checkpoint; delete the run folder to train again`);
    finishManifest(runDir, manifest, 'done');
    log.info('done');
    return { runId: id, runDir, status: 'done', manifest };
  } catch (e) {
    const status = e instanceof InterruptedError ? 'interrupted' : 'failed';
    const message = e instanceof Error ? e.message : String(e);
    // Recorded for suite tuning: a diverged run is a result (its settings lose), not a fault to retry.
    if (e instanceof DivergedError) manifest.details.diverged = true;
    if (fs.existsSync(runDir)) finishManifest(runDir, manifest, status, message);
    log.error({ status, message }, 'ended');
    if (!(e instanceof ConeError) && e instanceof Error && /memory|allocat/i.test(e.message)) {
      throw new RunError(`out of memory on ${manifest.backend}: ${message}; try a smaller batch_size`);
    }
    throw e;
  } finally {
    stop.release();
  }
}
