import path from 'node:path';

/**
 * The names of the files a run folder and a suite folder hold (docs/design.md §6): the one place
 * the trainer, the pipelines, the suite and the report take them from.
 */
export const RUN_FILES = {
  spec: 'spec.yaml',
  manifest: 'manifest.json',
  metrics: 'metrics.csv',
  log: 'log.jsonl',
  checkpoint: 'checkpoint',
  features: 'features',
  probe: 'probe.csv',
  geometry: 'geometry.csv',
  angles: 'angles.csv',
  longtail: 'longtail.csv',
  perClass: 'per_class.csv',
  split: 'split.json',
  trajectory: 'trajectory.csv',
} as const;

/** Files of a features folder (written by extract, read by probe). */
export const FEATURES_FILES = {
  meta: 'meta.json',
  classifier: 'classifier.npy',
  classifierBias: 'classifier_bias.npy',
} as const;

/** Files and folders of a suite folder. */
export const SUITE_FILES = {
  runs: 'runs',
  /** The tuning runs of a suite with `tune:`, and what they chose. */
  tuning: 'tuning',
  tuningCsv: 'tuning.csv',
  summaryCsv: 'summary.csv',
  summaryMd: 'summary.md',
  report: 'report.html',
  /** The suite file, results root and command-line overrides the folder was last run with (suite/origin.ts). */
  origin: 'suite-origin.json',
  /** Job scripts, task logs and the submission record of `cone run --launcher slurm`. */
  slurm: 'slurm',
} as const;

/**
 * The columns of a suite's tuning.csv (written by the suite, read by the report): these, with one
 * column per tuned field (its spec path) between `grid` and `seed`.
 */
export const TUNING_COLUMNS = {
  lead: ['group', 'dataset', 'method', 'grid'],
  tail: ['seed', 'run_id', 'status', 'metric', 'value', 'mean', 'chosen', 'edge'],
} as const;

/** The columns of a suite's summary.csv: written by the suite, read by the report. */
export const SUMMARY_COLUMNS = [
  'suite',
  'cell',
  'pipeline',
  'dataset',
  'method',
  'seed',
  'overrides',
  'run_id',
  'metric',
  'value',
];

export type RunFile = keyof typeof RUN_FILES;

/** `<runDir>/<file>` for one of the run folder's files. */
export function runPath(runDir: string, file: RunFile): string {
  return path.join(runDir, RUN_FILES[file]);
}

/** Where features of a run are written: `features/`, or `features-<dataset>/` for another dataset. */
export function featuresDir(runDir: string, dataset: string, trainedOn: string): string {
  return path.join(runDir, dataset === trainedOn ? RUN_FILES.features : `${RUN_FILES.features}-${dataset}`);
}

/** `<split>.npy` (features), `<split>.fine.npy`, `<split>.coarse.npy` (labels) of one split. */
export function featureSplitFile(dir: string, split: string, suffix = ''): string {
  return path.join(dir, `${split}${suffix}.npy`);
}

/**
 * The probe outputs of a features folder: `features/` -> probe.csv, geometry.csv, angles.csv in the
 * run folder; `features-<dataset>/` -> probe-<dataset>.csv etc.
 */
export function probeOutputs(featuresFolder: string): { probe: string; geometry: string; angles: string } {
  const dir = path.dirname(path.resolve(featuresFolder));
  const base = path.basename(path.resolve(featuresFolder));
  const prefix = `${RUN_FILES.features}-`;
  const suffix = base.startsWith(prefix) ? `-${base.slice(prefix.length)}` : '';
  const named = (file: string) => path.join(dir, file.replace(/\.csv$/, `${suffix}.csv`));
  return { probe: named(RUN_FILES.probe), geometry: named(RUN_FILES.geometry), angles: named(RUN_FILES.angles) };
}
