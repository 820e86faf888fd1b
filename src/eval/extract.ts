import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../backend/select.js';
import { loadDataset } from '../data/registry.js';
import type { Dataset, Split } from '../data/types.js';
import { RunError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeNpy } from '../io/npy.js';
import { readFinishedRun } from '../io/run-spec.js';
import { info, warn } from '../log.js';
import { takeSplit } from '../data/batches.js';
import { loadCheckpointTensors } from '../train/checkpoint.js';
import { featuresOf, headMatrices } from '../train/evaluate.js';
import { datasetTask, loadSpecDataset } from '../train/pretrain.js';
import { specLongtailSplit } from '../train/longtail.js';
import { buildModelAndLoss, checkpointDir } from '../train/trainer.js';

export type SplitChoice = 'train' | 'test' | 'both';

export interface ExtractOptions {
  split: SplitChoice;
  /** Another dataset with the same input shape (transfer studies); default: the run's. */
  dataset?: string;
  /** Images per split: 'spec' = the run's subset sizes, 'all' = whole splits, or a class-balanced count. */
  subset?: 'spec' | 'all' | number;
  backend?: BackendChoice;
  threads?: number;
  batchSize?: number;
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

/** Where features of a run are written: `features/`, or `features-<dataset>/` for another dataset. */
export function featuresDir(runDir: string, dataset: string, trainedOn: string): string {
  return path.join(runDir, dataset === trainedOn ? 'features' : `features-${dataset}`);
}

/**
 * `cone extract`: run a finished run's network over dataset splits and write the features as
 * .npy (float32 N×d) with fine and coarse labels (int32), the classifier, and meta.json.
 */
export async function extractFeatures(runDir: string, opts: ExtractOptions): Promise<string> {
  const { spec, manifest } = readFinishedRun(runDir);
  const datasetName = opts.dataset ?? spec.dataset.name;
  const sameData = datasetName === spec.dataset.name;
  const backend = await initBackend({ backend: opts.backend ?? spec.backend, threads: opts.threads ?? spec.threads ?? undefined, log: warn });
  const subset = opts.subset ?? 'spec';
  // The run's own subsets (same seeds, so the same images it trained on) only make sense for its own dataset.
  const ownSubsets = sameData && subset === 'spec';
  const sizes =
    ownSubsets ? { subset: spec.dataset.subset, test_subset: spec.dataset.test_subset }
    : typeof subset === 'number' ? { subset, test_subset: subset }
    : { subset: null, test_subset: null };
  const base = sameData ? spec.dataset : { name: datasetName };
  const ds: Dataset = await loadDataset({ ...base, ...sizes, seed: spec.seed });
  // The task the run trained on (a long-tail run: its long-tailed split): its class count and class
  // prior rebuild the head exactly (la-ce's prior changes only training logits, not the features).
  const own = ownSubsets ? ds : await loadSpecDataset(spec);
  const trained = datasetTask(
    manifest.kind === 'longtail' ? { ...own, train: takeSplit(own.train, specLongtailSplit(spec, own).indices) } : own,
    spec.dataset.level,
  );
  if (ds.shape.join('x') !== trained.shape.join('x')) {
    throw new RunError(`${datasetName}: samples of shape ${ds.shape.join('x')} do not fit the run's network, trained on ${spec.dataset.name} (${trained.shape.join('x')})`);
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
    fs.mkdirSync(outDir, { recursive: true });
    for (const [name, split] of Object.entries(splits)) {
      const started = performance.now();
      const features = await featuresOf(model, split, ds.shape, opts.batchSize ?? 256);
      writeNpy(path.join(outDir, `${name}.npy`), features, [split.n, d]);
      writeNpy(path.join(outDir, `${name}.fine.npy`), split.fine, [split.n]);
      writeNpy(path.join(outDir, `${name}.coarse.npy`), split.coarse, [split.n]);
      const s = (performance.now() - started) / 1000;
      info(`${name}: ${split.n} images -> ${path.join(outDir, `${name}.npy`)} (${Math.round(split.n / s)} img/s)`);
    }
    const head = headMatrices(loss);
    writeNpy(path.join(outDir, 'classifier.npy'), head.W, [head.K, d]);
    if (head.bias) writeNpy(path.join(outDir, 'classifier_bias.npy'), head.bias, [head.K]);

    const previous = readFeaturesMeta(outDir, { optional: true });
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
      splits: { ...(previous?.splits ?? {}), ...Object.fromEntries(Object.entries(splits).map(([k, s]) => [k, { n: s.n }])) },
      fine_names: ds.fineNames,
      coarse_names: ds.coarseNames,
      fine_to_coarse: [...ds.fineToCoarse],
      classifier: head.etf ? 'etf' : 'linear',
      backend: backend.name,
    };
    writeFileAtomic(path.join(outDir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    return outDir;
  } finally {
    model.dispose();
    loss.dispose();
  }
}

/** meta.json of a features folder (written by extract); `optional` returns null when there is none. */
export function readFeaturesMeta(dir: string, opts: { optional?: boolean } = {}): FeaturesMeta | null {
  const file = path.join(dir, 'meta.json');
  if (!fs.existsSync(file)) {
    if (opts.optional) return null;
    throw new RunError(`${dir}: no meta.json, so not a features folder; run cone extract --run <run folder> first`);
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as FeaturesMeta;
  } catch (e) {
    throw new RunError(`${file}: unreadable (${(e as Error).message}); run cone extract again`);
  }
}
