import type { LongtailSplit } from '../data/longtail.js';
import { loadSpecDataset, longtailTask, specLongtailSplit, type TrainTask } from '../data/task.js';
import { RunError, UsageError } from '../errors.js';
import {
  longtailAccuracy,
  shotThresholds,
  type LongtailAccuracy,
  type ShotThresholds,
} from '../eval/longtail-accounting.js';
import { trackingHook } from './trajectory.js';
import { LONGTAIL_COLUMNS, PER_CLASS_COLUMNS, splitJson } from './longtail-files.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeCsv } from '../io/csv.js';
import { readManifest } from '../io/manifest.js';
import { loadSpec } from '../config/load.js';
import { appliesTo, checkOverridesUsed, type Override } from '../config/overrides.js';
import type { Spec } from '../config/schema.js';
import { classify, featuresOf } from '../train/predict.js';
import { invalidRunOutputs, runFolder, trainingRun, type TrainingRunResult } from './training-run.js';
import { runPath } from '../io/run-layout.js';
import type { DerivedFile } from './run-files.js';
import type { Reporter } from '../reporter.js';

/** What `cone longtail` runs when no method is named: the three methods of the claim and the standard re-balancing baseline. */
export const LONGTAIL_METHODS = ['ce', 'etf-ce', 'cone', 'la-ce'] as const;

/** Files a long-tail run writes besides those of every run; lost ones are rebuilt from the checkpoint. */
export const LONGTAIL_FILES: readonly DerivedFile[] = ['split', 'longtail', 'perClass'];

const KIND = 'longtail';
const EVAL_BATCH = 256;

/** One row of longtail.csv (docs/design.md §6); `counts` is the JSON array of training images per class. */
export type LongtailRow = Omit<LongtailAccuracy, 'perClass'> & {
  [k: string]: string | number | null;
  run_id: string;
  dataset: string;
  method: string;
  seed: number;
  imbalance: number;
  profile: string;
  counts: string;
};

export type LongtailRunResult = TrainingRunResult & {
  row: LongtailRow;
  /** Training images in the long-tailed split, and the bucket thresholds used. */
  nTrain: number;
  thresholds: ShotThresholds;
};

/** Long-tail training is at the fine level; a coarse spec is refused rather than silently retargeted. */
function requireFineLevel(spec: Spec, source: string): void {
  if (spec.dataset.level !== 'fine') {
    throw new UsageError(
      `${source}: dataset.level: cone longtail trains on the fine labels (the usual long-tail task); set dataset.level: fine (got ${spec.dataset.level})`,
    );
  }
}

/**
 * One resolved spec per method from a spec file. Method knobs (scale, theta, tau, ...), in the file
 * or overridden, go to the methods that take them, so one file can carry e.g. `scale` for the ETF
 * methods and `tau` for la-ce while ce ignores both; an overridden knob no method run takes is refused.
 */
export function longtailSpecs(file: string, overrides: readonly Override[], methods: readonly string[]): Spec[] {
  const chosen = overrides.find((o) => o.path === 'method.name');
  if (chosen) throw new UsageError(`${chosen.from}: cone longtail runs the methods given by --method; use it instead`);
  checkOverridesUsed(overrides, methods);
  return methods.map((method) => {
    const own = overrides.filter((o) => appliesTo(o.path, method));
    const spec = loadSpec(file, [...own, { path: 'method.name', value: method, from: `--method ${method}` }]);
    requireFineLevel(spec, file);
    return spec;
  });
}

/**
 * `cone longtail` for one method: train the spec's network at the fine level on a long-tailed
 * split of the training set (split.json), then score it on the balanced test set (longtail.csv,
 * per_class.csv). The run folder, checkpoints, resume and failure handling are pretrain's.
 */
export async function longtail(
  spec: Spec,
  opts: { reporter?: Reporter; stopWhen?: () => boolean } = {},
): Promise<LongtailRunResult> {
  requireFineLevel(spec, spec.name ?? 'spec');
  const { runDir } = runFolder(spec, 'longtail');
  const previous = readManifest(runDir);
  // Build the split before any run folder exists, so a bad imbalance fails cleanly (and only once).
  let prepared: { split: LongtailSplit; task: TrainTask; classNames: string[] } | null = null;
  if (previous?.status !== 'done' || invalidRunOutputs(runDir, { spec, kind: KIND }, LONGTAIL_FILES).length) {
    const ds = await loadSpecDataset(spec);
    const split = specLongtailSplit(spec, ds);
    prepared = { split, task: longtailTask(ds, split), classNames: ds.fineNames };
  }
  const result = await trainingRun(spec, {
    kind: KIND,
    reporter: opts.reporter,
    stopWhen: opts.stopWhen,
    outputs: LONGTAIL_FILES,
    task: async (dir) => {
      writeFileAtomic(runPath(dir, 'split'), splitJson(prepared!.split));
      return prepared!.task;
    },
    track: trackingHook(spec),
    after: async (trained, task, dir, manifest) => {
      const { split, classNames } = prepared!;
      // The trainer's last evaluation already scored the test set, unless this process only resumed a finished training.
      const predictions =
        trained.testPredictions ??
        (
          await classify(
            trained.loss,
            await featuresOf(trained.model, task.test, task.shape, EVAL_BATCH),
            task.testLabels,
          )
        ).predictions;
      const thresholds = shotThresholds(spec.longtail, split.nMax);
      const acc = longtailAccuracy({
        trainCounts: split.counts,
        testLabels: task.testLabels,
        predictions,
        thresholds,
        classNames,
      });
      const { perClass, ...buckets } = acc;
      const row: LongtailRow = {
        run_id: manifest.run_id,
        dataset: spec.dataset.name,
        method: spec.method.name,
        seed: spec.seed,
        imbalance: spec.longtail.imbalance,
        profile: spec.longtail.profile,
        ...buckets,
        counts: JSON.stringify(split.counts),
      };
      writeCsv(runPath(dir, 'longtail'), [row], LONGTAIL_COLUMNS);
      writeCsv(runPath(dir, 'perClass'), perClass, PER_CLASS_COLUMNS);
      manifest.details.longtail = { row, n_train: split.indices.length, thresholds };
    },
  });
  const recorded = result.manifest.details.longtail as
    | { row: LongtailRow; n_train: number; thresholds: ShotThresholds }
    | undefined;
  if (!recorded)
    throw new RunError(
      `${result.runDir}: manifest.json is marked done but has no long-tail result; delete the run folder to run it again`,
    );
  return { ...result, row: recorded.row, nTrain: recorded.n_train, thresholds: recorded.thresholds };
}
