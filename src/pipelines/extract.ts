import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../backend/select.js';
import { loadDataset } from '../data/registry.js';
import type { Dataset, Split } from '../data/types.js';
import { RunError } from '../errors.js';
import { makeDir, writeFileAtomic } from '../io/atomic.js';
import { writeNpy } from '../io/npy.js';
import { compileSchema, readJsonFile } from '../io/json-file.js';
import { readFinishedRun } from './run-spec.js';
import { SILENT, type Reporter } from '../reporter.js';
import { hasCheckpoint, loadCheckpointTensors } from '../train/checkpoint.js';
import { featuresOf, headMatrices } from '../train/predict.js';
import { countNonFinite } from '../eval/features.js';
import { datasetTask, loadSpecDataset, longtailTask, specLongtailSplit } from '../data/task.js';
import { buildModelAndLoss, checkpointDir } from '../train/trainer.js';
import { FEATURES_FILES, featureSplitFile, featuresDir, RUN_FILES } from '../io/run-layout.js';

/** The splits extract writes features of (`cone extract --split`). */
export const SPLIT_CHOICES = ['train', 'test', 'both'] as const;
export type SplitChoice = (typeof SPLIT_CHOICES)[number];

export interface ExtractOptions {
  split: SplitChoice;
  /** Another dataset with the same input shape (transfer studies); default: the run's. */
  dataset?: string;
  /** Folder the dataset is read from (fashion-mnist, cifar100); default: the run's, else the dataset's own. */
  path?: string;
  /** Images per split: 'spec' = the run's subset sizes, 'all' = whole splits, or a class-balanced count. */
  subset?: 'spec' | 'all' | number;
  backend?: BackendChoice;
  threads?: number;
  batchSize?: number;
  /** Where the backend's fallbacks and each written split are told; default SILENT. */
  reporter?: Reporter;
}

export interface FeaturesMeta {
  run_id: string;
  dataset: string;
  hierarchy: string;
  trained_on: string;
  train_level: 'coarse' | 'fine';
  method: string;
  seed: number;
  theta: number | null;
  network: string;
  d: number;
  splits: Record<string, { n: number }>;
  fine_names: string[];
  coarse_names: string[];
  fine_to_coarse: number[];
  /** Rows of classifier.npy are the class directions at `train_level` (ETF rows, or the learnt head). */
  classifier: 'etf' | 'linear';
  backend: string;
}

/**
 * `cone extract`: run a finished run's network over dataset splits and write the features as
 * .npy (float32 N×d) with fine and coarse labels (int32), the classifier, and meta.json.
 */
export async function extractFeatures(runDir: string, opts: ExtractOptions): Promise<string> {
  const { spec, manifest } = readFinishedRun(runDir);
  if (!hasCheckpoint(checkpointDir(runDir)))
    throw new RunError(
      `${runDir}: the run has no checkpoint (its trained weights); delete the run folder to train it again`,
    );
  const reporter = opts.reporter ?? SILENT;
  const datasetName = opts.dataset ?? spec.dataset.name;
  const sameData = datasetName === spec.dataset.name;
  const backend = await initBackend({
    backend: opts.backend ?? spec.backend,
    threads: opts.threads ?? spec.threads ?? undefined,
    log: (m) => reporter.warn(m),
  });
  const subset = opts.subset ?? 'spec';
  // The run's own subsets (same seeds, so the same images it trained on) only make sense for its own dataset.
  const ownSubsets = sameData && subset === 'spec';
  const sizes = ownSubsets
    ? { subset: spec.dataset.subset, test_subset: spec.dataset.test_subset }
    : typeof subset === 'number'
      ? { subset, test_subset: subset }
      : { subset: null, test_subset: null };
  const base = sameData
    ? { ...spec.dataset, path: opts.path ?? spec.dataset.path }
    : { name: datasetName, path: opts.path ?? null };
  const ds: Dataset = await loadDataset({ ...base, ...sizes, seed: spec.seed });
  // The task the run trained on (a long-tail run: its long-tailed split): its class count and class
  // prior rebuild the head exactly (la-ce's prior changes only training logits, not the features).
  const own = ownSubsets ? ds : await loadSpecDataset(spec);
  const trained =
    manifest.kind === 'longtail'
      ? longtailTask(own, specLongtailSplit(spec, own))
      : datasetTask(own, spec.dataset.level);
  if (ds.shape.join('x') !== trained.shape.join('x')) {
    throw new RunError(
      `${datasetName}: samples of shape ${ds.shape.join('x')} do not fit the run's network, trained on ${spec.dataset.name} (${trained.shape.join('x')})`,
    );
  }
  const { model, loss } = buildModelAndLoss(spec, trained);
  const outDir = featuresDir(runDir, datasetName, spec.dataset.name);
  try {
    const saved = loadCheckpointTensors(checkpointDir(runDir));
    model.setWeights(saved.model);
    loss.setState(saved.head);
    tf.dispose([...saved.model, ...Object.values(saved.head), ...saved.optimizer.map((o) => o.tensor)]);

    const splits: Record<string, Split> = {};
    if (opts.split !== 'test') splits.train = ownSubsets ? trained.train : ds.train;
    if (opts.split !== 'train') splits.test = ds.test;
    const d = spec.model.feature_dim;
    // Everything is computed and checked before anything is written: a network whose features or
    // classifier are not finite is a failed run, and must not leave half a features folder.
    const computed: { name: string; split: Split; features: Float32Array; seconds: number }[] = [];
    for (const [name, split] of Object.entries(splits)) {
      const started = performance.now();
      const features = await featuresOf(model, split, ds.shape, opts.batchSize ?? 256);
      refuseNonFinite(features, `${runDir}: the network's ${name} features`);
      computed.push({ name, split, features, seconds: (performance.now() - started) / 1000 });
    }
    const head = await headMatrices(loss);
    refuseNonFinite(head.W, `${runDir}: the run's classifier`);
    if (head.bias) refuseNonFinite(head.bias, `${runDir}: the run's classifier bias`);

    makeDir(outDir);
    for (const { name, split, features, seconds } of computed) {
      writeNpy(featureSplitFile(outDir, name, ''), features, [split.n, d]);
      writeNpy(featureSplitFile(outDir, name, '.fine'), split.fine, [split.n]);
      writeNpy(featureSplitFile(outDir, name, '.coarse'), split.coarse, [split.n]);
      reporter.info(
        `${name}: ${split.n} images -> ${featureSplitFile(outDir, name, '')} (${Math.round(split.n / seconds)} img/s)`,
      );
    }
    writeNpy(path.join(outDir, FEATURES_FILES.classifier), head.W, [head.K, d]);
    if (head.bias) writeNpy(path.join(outDir, FEATURES_FILES.classifierBias), head.bias, [head.K]);

    // The splits an earlier extract wrote are kept in meta.json; a damaged meta.json is rewritten.
    let previous: FeaturesMeta | null = null;
    try {
      previous = readFeaturesMeta(outDir, { optional: true });
    } catch (e) {
      if (!(e instanceof RunError)) throw e;
    }
    const meta: FeaturesMeta = {
      run_id: manifest.run_id,
      dataset: datasetName,
      hierarchy: ds.hierarchy,
      trained_on: spec.dataset.name,
      train_level: spec.dataset.level,
      method: spec.method.name,
      seed: spec.seed,
      theta: spec.method.theta ?? null,
      network: spec.model.name,
      d,
      splits: {
        ...(previous?.splits ?? {}),
        ...Object.fromEntries(Object.entries(splits).map(([k, s]) => [k, { n: s.n }])),
      },
      fine_names: ds.fineNames,
      coarse_names: ds.coarseNames,
      fine_to_coarse: [...ds.fineToCoarse],
      classifier: head.etf ? 'etf' : 'linear',
      backend: backend.name,
    };
    writeFileAtomic(path.join(outDir, FEATURES_FILES.meta), JSON.stringify(meta, null, 2) + '\n');
    return outDir;
  } finally {
    model.dispose();
    loss.dispose();
  }
}

/** Extract refuses to write what probes would refuse to read. */
function refuseNonFinite(values: Float32Array, what: string): void {
  const bad = countNonFinite(values);
  if (bad > 0)
    throw new RunError(
      `${what} have ${bad} of ${values.length} values not finite (NaN or ±Inf); the trained weights are unusable, nothing was written; train the run again (delete its folder), e.g. with a lower optimizer.lr`,
    );
}

/**
 * The features folder given as itself or as the run folder holding it (`<run>/features/`): a
 * features folder is one with meta.json; anything else is a RunError saying what to run.
 */
export function featuresFolderOf(dir: string): string {
  if (fs.existsSync(path.join(dir, FEATURES_FILES.meta))) return dir;
  const inRun = path.join(dir, RUN_FILES.features);
  if (fs.existsSync(path.join(inRun, FEATURES_FILES.meta))) return inRun;
  const isRun = fs.existsSync(path.join(dir, RUN_FILES.manifest));
  throw new RunError(
    isRun
      ? `${dir}: a run folder without features; run cone extract --run ${dir} first`
      : `${dir}: no meta.json, so not a features folder (nor a run folder holding one); run cone extract --run <run folder> first`,
  );
}

const names = { type: 'array', items: { type: 'string' }, minItems: 1 };
const count = { type: 'integer', minimum: 0 };

/** meta.json as extract writes it: what probe and the suite's checks rely on. */
const validateFeaturesMeta = compileSchema<FeaturesMeta>({
  type: 'object',
  required: [
    'run_id',
    'dataset',
    'trained_on',
    'train_level',
    'method',
    'seed',
    'theta',
    'd',
    'splits',
    'fine_names',
    'coarse_names',
    'fine_to_coarse',
    'classifier',
  ],
  properties: {
    run_id: { type: 'string' },
    dataset: { type: 'string' },
    trained_on: { type: 'string' },
    train_level: { enum: ['coarse', 'fine'] },
    method: { type: 'string' },
    seed: { type: 'integer' },
    theta: { type: ['number', 'null'] },
    d: { type: 'integer', minimum: 1 },
    splits: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['n'], properties: { n: count } },
    },
    fine_names: names,
    coarse_names: names,
    fine_to_coarse: { type: 'array', items: count },
    classifier: { enum: ['etf', 'linear'] },
  },
});

/** meta.json of a features folder (written by extract); `optional` returns null when there is none. */
export function readFeaturesMeta(dir: string, opts: { optional?: boolean } = {}): FeaturesMeta | null {
  const file = path.join(dir, FEATURES_FILES.meta);
  if (!fs.existsSync(file)) {
    if (opts.optional) return null;
    throw new RunError(`${dir}: no meta.json, so not a features folder; run cone extract --run <run folder> first`);
  }
  const meta = readJsonFile(file, validateFeaturesMeta, 'run cone extract again');
  if (meta.fine_to_coarse.length !== meta.fine_names.length)
    throw new RunError(
      `${file}: fine_to_coarse has ${meta.fine_to_coarse.length} entries for ${meta.fine_names.length} fine classes; run cone extract again`,
    );
  return meta;
}
