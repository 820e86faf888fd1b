import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DivergedError, InterruptedError, RunError } from '../errors.js';
import type { TrainTask } from '../data/task.js';
import { batchIndices } from '../data/batches.js';
import { columnsOf, writeCsv, type Row } from '../io/csv.js';
import { buildNetwork, FEATURE_LAYER_NAME } from '../model/networks/index.js';
import type { Spec } from '../config/schema.js';
import { Rng } from '../util/rng.js';
import { type BatchPlace, batchSource, defaultBatchPlace, type BatchSource } from './batch-source.js';
import {
  CHECKPOINT_FORMAT,
  hasCheckpoint,
  loadCheckpointTensors,
  readTrainState,
  saveCheckpoint,
  type TrainState,
} from './checkpoint.js';
import { classify, featuresOf } from './predict.js';
import { createLoss } from './losses/index.js';
import type { Loss } from './losses/types.js';
import { createOptimizer, disposeOptimizer, setLearningRate } from './optimizer.js';
import { learningRate } from './schedule.js';
import type { StopRequest } from './interrupt.js';
import { PendingStepStats } from './step-stats.js';
import { runPath } from '../io/run-layout.js';
import type { TrainingProgress } from '../reporter.js';

export interface TrainContext {
  spec: Spec;
  specHash: string;
  runDir: string;
  stop: StopRequest;
  /** Where the epochs' progress goes (the trainer prints nothing). */
  progress: TrainingProgress;
  /** Called after each epoch with its metrics row (already in metrics.csv) and the seconds `track` took after it. */
  onEpoch?: (row: MetricsRow, trackSeconds: number) => void;
  /** Called once a checkpoint has been loaded, with the position training continues from. */
  onResume?: (state: TrainState) => void;
  /** Measurements after epochs (collapse over training); the pipelines supply it, the trainer only keeps its rows. */
  track?: Tracker;
  /** Where batches are made (default: defaultBatchPlace); the metrics do not depend on it. */
  batches?: BatchPlace;
  /** Most steps between read-backs of loss and hits (default READ_BACK_STEPS); the metrics do not depend on it. */
  readBackSteps?: number;
}

/**
 * A per-epoch measurement of the network. Its rows are part of the checkpoint state and are written
 * to `file` (in the run folder) with every checkpoint, so a resumed run's file equals an uninterrupted one's.
 */
export interface Tracker {
  file: string;
  /** Rows for the network after `epoch` (1-based), [] when this epoch is not measured; must not change the model or loss. */
  measure(epoch: number, model: tf.LayersModel, loss: Loss): Promise<Row[]>;
}

export interface MetricsRow {
  [k: string]: number | string | null;
  epoch: number;
  lr: number;
  train_loss: number;
  train_accuracy: number;
  test_loss: number | null;
  test_accuracy: number | null;
  seconds: number;
  images_per_s: number;
}

export const METRICS_COLUMNS = [
  'epoch',
  'lr',
  'train_loss',
  'train_accuracy',
  'test_loss',
  'test_accuracy',
  'seconds',
  'images_per_s',
];

export interface Trained {
  model: tf.LayersModel;
  loss: Loss;
  metrics: MetricsRow[];
  /** Test-split predictions of the final evaluation, when it ran in this process (not on a resume of a finished run). */
  testPredictions: Int32Array | null;
  /** Seconds spent in `track` over the whole run (resumes included). */
  trackSeconds: number;
  dispose(): void;
}

export function checkpointDir(runDir: string): string {
  return runPath(runDir, 'checkpoint');
}

/** Build the network and loss of a spec (fresh weights, seeded). */
export function buildModelAndLoss(
  spec: Spec,
  task: Pick<TrainTask, 'shape' | 'numClasses' | 'classPrior'>,
): { model: tf.LayersModel; loss: Loss } {
  const model = buildNetwork(spec.model, task.shape, spec.seed);
  const loss = createLoss(spec.method, {
    numClasses: task.numClasses,
    featureDim: spec.model.feature_dim,
    seed: spec.seed,
    classPrior: task.classPrior,
  });
  return { model, loss };
}

function freshState(spec: Spec, specHash: string): TrainState {
  const rng = new Rng(spec.seed);
  return {
    format: CHECKPOINT_FORMAT,
    spec_hash: specHash,
    epoch: 0,
    step_in_epoch: 0,
    global_step: 0,
    epoch_seed: 0,
    rng: rng.state(),
    running: { loss_sum: 0, correct: 0, seen: 0, seconds: 0 },
    metrics: [],
  };
}

/**
 * Train a spec's network with its loss on a task, checkpointing after every epoch and on a stop
 * request. If the run folder holds a checkpoint, training continues from it exactly: same batches,
 * same augmentation, same learning rates, so the result equals an uninterrupted run.
 */
export async function train(task: TrainTask, ctx: TrainContext): Promise<Trained> {
  const { spec } = ctx;
  const { model, loss } = buildModelAndLoss(spec, task);
  const optimizer = createOptimizer(spec.optimizer);
  const dispose = () => {
    model.dispose();
    loss.dispose();
    disposeOptimizer(optimizer);
  };
  try {
    const state = await restoreOrStart(ctx, model, loss, optimizer);
    const source = batchSource(task, ctx.batches ?? defaultBatchPlace(task));
    let testPredictions: Int32Array | null;
    try {
      testPredictions = await runEpochs(task, source, ctx, state, model, loss, optimizer);
    } finally {
      source.dispose();
    }
    return {
      model,
      loss,
      metrics: state.metrics as MetricsRow[],
      testPredictions,
      trackSeconds: state.track_seconds ?? 0,
      dispose,
    };
  } catch (e) {
    dispose();
    throw e;
  }
}

async function restoreOrStart(
  ctx: TrainContext,
  model: tf.LayersModel,
  loss: Loss,
  optimizer: tf.Optimizer,
): Promise<TrainState> {
  const dir = checkpointDir(ctx.runDir);
  if (!hasCheckpoint(dir)) return freshState(ctx.spec, ctx.specHash);
  const state = readTrainState(dir);
  if (state.spec_hash !== ctx.specHash) {
    throw new RunError(
      `${dir}: checkpoint belongs to spec ${state.spec_hash}, not ${ctx.specHash}; use another --out or delete the run folder`,
    );
  }
  const saved = loadCheckpointTensors(dir);
  try {
    if (saved.model.length !== model.weights.length)
      throw new RunError(
        `${dir}: checkpoint has ${saved.model.length} network tensors, the network has ${model.weights.length}`,
      );
    model.setWeights(saved.model);
    loss.setState(saved.head);
    if (saved.optimizer.length) await optimizer.setWeights(saved.optimizer);
  } finally {
    tf.dispose([...saved.model, ...Object.values(saved.head), ...saved.optimizer.map((o) => o.tensor)]);
  }
  // metrics.csv derives from the state: rebuild a lost one, or one that a kill left a row short.
  writeDerivedFiles(ctx, state);
  ctx.onResume?.(state);
  return state;
}

/** Trainable variables in a fixed order (optimizer slots are matched by position), with their weight decay. */
function trainables(spec: Spec, model: tf.LayersModel, loss: Loss): { vars: tf.Variable[]; decay: number[] } {
  const featureWeights = new Set(model.getLayer(FEATURE_LAYER_NAME).trainableWeights.map((w) => w.read()));
  const wd = spec.optimizer.weight_decay;
  const featureWd = spec.optimizer.feature_weight_decay ?? wd;
  const vars = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...loss.headVariables];
  return { vars, decay: vars.map((v) => (featureWeights.has(v) ? featureWd : wd)) };
}

/**
 * Steps between read-backs of loss and hits (they wait on the device meanwhile), and the most time
 * between them, so progress still moves on slow steps. Metrics do not depend on either.
 */
const READ_BACK_STEPS = 32;
const READ_BACK_MS = 1000;

/** Trains the remaining epochs; returns the test predictions of the last evaluation, if one ran. */
async function runEpochs(
  task: TrainTask,
  source: BatchSource,
  ctx: TrainContext,
  state: TrainState,
  model: tf.LayersModel,
  loss: Loss,
  optimizer: tf.Optimizer,
): Promise<Int32Array | null> {
  const { spec } = ctx;
  let lastPredictions: Int32Array | null = null;
  const rng = Rng.fromState(state.rng);
  const { vars, decay } = trainables(spec, model, loss);
  const n = task.train.n;
  const batch = Math.min(spec.batch_size, n);
  // Whole batches only: a last batch of one or two images would give batch-norm a degenerate variance.
  const stepsPerEpoch = Math.floor(n / batch);

  for (let epoch = state.epoch; epoch < spec.epochs; epoch++) {
    if (state.step_in_epoch === 0) state.epoch_seed = rng.seed();
    const epochRng = new Rng(state.epoch_seed);
    const batches = [...batchIndices(n, batch, epochRng, { dropLast: true })];
    ctx.progress.epochStart(epoch + 1, spec.epochs, stepsPerEpoch, state.step_in_epoch);

    const r = state.running;
    const readBackSteps = ctx.readBackSteps ?? READ_BACK_STEPS;
    const pending = new PendingStepStats();
    let lastRead = performance.now();
    /** Adds the pending steps (the last of them is step `lastStep`, 1-based) to the running sums. */
    const readPending = async (lastStep: number) => {
      const started = performance.now();
      const stats = await pending.read();
      r.seconds += (performance.now() - started) / 1000;
      lastRead = performance.now();
      for (const [i, { loss: lossValue, hits }] of stats.entries()) {
        if (!Number.isFinite(lossValue)) {
          const kept =
            state.epoch > 0
              ? `the last good checkpoint (epoch ${state.epoch}) is kept`
              : 'no epoch had finished, so there is no checkpoint';
          throw new DivergedError(
            `loss is ${lossValue} at epoch ${epoch + 1}, step ${lastStep - stats.length + i + 1}; training stopped and ${kept}; try a lower optimizer.lr`,
          );
        }
        r.loss_sum += lossValue * batch;
        r.correct += hits;
        r.seen += batch;
      }
      ctx.progress.step(lastStep, stepsPerEpoch, r.loss_sum / r.seen, r.seen / r.seconds);
    };

    try {
      for (let k = state.step_in_epoch; k < stepsPerEpoch; k++) {
        const started = performance.now();
        const lr = learningRate(spec.schedule, spec.optimizer.lr, epoch + k / stepsPerEpoch, spec.epochs);
        setLearningRate(optimizer, lr);
        const augmentRng = spec.augment ? new Rng(`${state.epoch_seed}:${k}`) : null;
        pending.push(trainStep(source, batches[k], augmentRng, model, loss, optimizer, vars, decay));
        r.seconds += (performance.now() - started) / 1000;
        state.step_in_epoch = k + 1;
        state.global_step++;
        // Give SIGINT a chance: the wasm backend computes synchronously.
        await new Promise((res) => setImmediate(res));
        const stopHere = ctx.stop.stopping && k + 1 < stepsPerEpoch;
        const due =
          pending.size >= readBackSteps || performance.now() - lastRead >= READ_BACK_MS || k + 1 === stepsPerEpoch;
        if (stopHere || due) await readPending(k + 1);
        if (stopHere) {
          state.rng = rng.state();
          await saveState(ctx, state, model, loss, optimizer);
          throw new InterruptedError(
            `interrupted at epoch ${epoch + 1}, step ${k + 1}; checkpoint saved in ${checkpointDir(ctx.runDir)}`,
          );
        }
      }
    } finally {
      pending.dispose();
    }

    const evaluate = (epoch + 1) % spec.eval_every === 0 || epoch + 1 === spec.epochs;
    const test = evaluate
      ? await classify(loss, await featuresOf(model, task.test, task.shape, 256), task.testLabels)
      : null;
    if (test) lastPredictions = test.predictions;
    const row: MetricsRow = {
      epoch: epoch + 1,
      lr: learningRate(spec.schedule, spec.optimizer.lr, epoch + (stepsPerEpoch - 1) / stepsPerEpoch, spec.epochs),
      train_loss: r.loss_sum / r.seen,
      train_accuracy: r.correct / r.seen,
      test_loss: test?.loss ?? null,
      test_accuracy: test?.accuracy ?? null,
      seconds: r.seconds,
      images_per_s: r.seen / r.seconds,
    };
    state.metrics.push(row);
    let trackSeconds = 0;
    if (ctx.track) {
      const started = performance.now();
      state.tracked = [...(state.tracked ?? []), ...(await ctx.track.measure(epoch + 1, model, loss)).map(jsonSafe)];
      trackSeconds = (performance.now() - started) / 1000;
      state.track_seconds = (state.track_seconds ?? 0) + trackSeconds;
    }
    state.epoch = epoch + 1;
    state.step_in_epoch = 0;
    state.running = { loss_sum: 0, correct: 0, seen: 0, seconds: 0 };
    state.rng = rng.state();
    await saveState(ctx, state, model, loss, optimizer);
    ctx.progress.epochEnd(epochLine(row, spec.epochs));
    ctx.onEpoch?.(row, trackSeconds);
    if (ctx.stop.stopping && epoch + 1 < spec.epochs) {
      throw new InterruptedError(
        `interrupted after epoch ${epoch + 1}; checkpoint saved in ${checkpointDir(ctx.runDir)}`,
      );
    }
  }
  return lastPredictions;
}

/** NaN and ±Infinity as text: state.json (JSON) would turn them into null, and a resumed file would differ. */
function jsonSafe(row: Row): Row {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? String(v) : v]),
  );
}

function epochLine(row: MetricsRow, epochs: number): string {
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);
  return (
    `epoch ${row.epoch}/${epochs} loss ${row.train_loss.toFixed(4)} train ${pct(row.train_accuracy)} ` +
    `test ${pct(row.test_accuracy)} lr ${row.lr.toPrecision(3)} ${Math.round(row.images_per_s)} img/s ${row.seconds.toFixed(1)}s`
  );
}

async function saveState(
  ctx: TrainContext,
  state: TrainState,
  model: tf.LayersModel,
  loss: Loss,
  optimizer: tf.Optimizer,
): Promise<void> {
  const optimizerWeights = await optimizer.getWeights();
  await saveCheckpoint(
    checkpointDir(ctx.runDir),
    { model: model.getWeights(), head: loss.state(), optimizer: optimizerWeights },
    state,
  );
  // getWeights() wraps the iteration count in a fresh scalar; the slots themselves are live variables.
  optimizerWeights[0]?.tensor.dispose();
  writeDerivedFiles(ctx, state);
}

/** metrics.csv and the tracker's file derive from the checkpoint state: written with it, rebuilt from it. */
function writeDerivedFiles(ctx: TrainContext, state: TrainState): void {
  writeCsv(runPath(ctx.runDir, 'metrics'), state.metrics, METRICS_COLUMNS);
  const tracked = state.tracked ?? [];
  if (ctx.track && tracked.length > 0) writeCsv(path.join(ctx.runDir, ctx.track.file), tracked, columnsOf(tracked));
}

/** One SGD/Adam step with (coupled, as in PyTorch) weight decay; returns [batch loss, hits], still on the device. */
function trainStep(
  source: BatchSource,
  idx: Int32Array,
  augmentRng: Rng | null,
  model: tf.LayersModel,
  loss: Loss,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  decay: number[],
): tf.Tensor1D {
  return tf.tidy(() => {
    const { x, y } = source.batch(idx, augmentRng);
    let predicted: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const features = model.apply(x, { training: true }) as tf.Tensor2D;
      predicted = tf.keep(tf.argMax(loss.logits(features), 1));
      return loss.loss(features, y);
    }, vars);
    const named = vars.map((v, i) => {
      const g = grads[v.name];
      return { name: v.name, tensor: decay[i] > 0 ? tf.add(g, tf.mul(v, decay[i])) : g };
    });
    optimizer.applyGradients(named);
    const hits = tf.cast(tf.sum(tf.cast(tf.equal(predicted!, y), 'int32')), 'float32');
    (predicted as tf.Tensor | null)?.dispose(); // kept out of variableGrads' scope, so not tidied
    return tf.stack([value, hits]) as tf.Tensor1D;
  });
}
