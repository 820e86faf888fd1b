import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { resolveSpec } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/registry.js';
import { datasetTask } from '../../src/data/task.js';
import { SILENT } from '../../src/reporter.js';
import { StopRequest } from '../../src/train/interrupt.js';
import { train, type MetricsRow, type TrainContext } from '../../src/train/trainer.js';
import { tinySpec } from './tiny-spec.js';

export interface DirectRun {
  metrics: Omit<MetricsRow, 'seconds' | 'images_per_s'>[];
  weights: number[][];
  /** Live tensors at each progress report (right after a read-back, so nothing is pending). */
  tensorsAtReads: number[];
  leaked: number;
}

/**
 * Trains the tiny spec (with `changes`) by calling the trainer directly on the active backend, with
 * the context options given; returns what two runs are compared on.
 */
export async function trainDirect(
  root: string,
  changes: Record<string, unknown>,
  options: Pick<TrainContext, 'batches' | 'readBackSteps'>,
): Promise<DirectRun> {
  const spec = resolveSpec(tinySpec({ name: 'tiny', optimizer: { name: 'sgd', lr: 0.05 }, ...changes }), 'tiny.yaml');
  const ds = await loadDataset({ ...spec.dataset, seed: spec.seed });
  const tensorsAtReads: number[] = [];
  const before = tf.memory().numTensors;
  const trained = await train(datasetTask(ds, 'coarse'), {
    spec,
    specHash: 'test',
    runDir: fs.mkdtempSync(path.join(root, 'run-')),
    stop: new StopRequest(),
    progress: { ...SILENT.training('t'), step: () => tensorsAtReads.push(tf.memory().numTensors) },
    ...options,
  });
  const weights = await Promise.all(trained.model.getWeights().map(async (w) => Array.from(await w.data())));
  trained.dispose();
  const metrics = trained.metrics.map(({ seconds: _s, images_per_s: _i, ...rest }) => rest);
  return { metrics, weights, tensorsAtReads, leaked: tf.memory().numTensors - before };
}
