import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.js';
import { buildNetwork, countParameters, type NetworkName } from '../model/networks/index.js';
import { Rng } from '../util/rng.js';
import { assertBatchFits, estimateTrainingBytes, peakRssBytes, wasmHeapBytes } from './memory.js';
import { profileKernels, type KernelTime } from './profile.js';
import { BENCH_CLASSES, createBenchSteps, type BenchOptimizer } from './step.js';

/** Input shape per network, as bench/torch_reference.py uses (NHWC here, NCHW there). */
export const BENCH_INPUT_SHAPES: Record<NetworkName, readonly number[]> = {
  cnn28: [28, 28, 1],
  resnet8: [32, 32, 3],
  resnet20: [32, 32, 3],
  mlp: [784],
};

export interface BenchSettings {
  model: NetworkName;
  batch: number;
  /** Timed training steps; as many inference passes are timed after them. */
  steps: number;
  /** Untimed training steps first: they allocate optimizer slots and grow the heap. */
  warmup: number;
  optimizer: BenchOptimizer;
  seed?: number;
  featureDim?: number;
  /** Also run one training step and one inference pass under tf.profile and report time per kernel. */
  profile?: boolean;
}

export interface StepTimes {
  median_ms: number;
  min_ms: number;
  max_ms: number;
}

export interface BenchMeasurement {
  model: NetworkName;
  input_shape: number[];
  batch: number;
  steps: number;
  warmup: number;
  optimizer: BenchOptimizer;
  parameters: number;
  train_step_ms: StepTimes;
  infer_step_ms: StepTimes;
  /** batch / median training step time. */
  train_images_per_s: number;
  /** batch / median inference pass time. */
  infer_images_per_s: number;
  final_loss: number;
  estimated_training_bytes: number;
  peak_rss_bytes: number;
  /** Size of the wasm heap at the end, which is its peak (it never shrinks); null on other backends. */
  wasm_heap_bytes: number | null;
  /** Live tensors after warm-up and after the timed steps: they must be equal. */
  tensors_before: number;
  tensors_after: number;
  tensor_growth: number;
  kernel_profile?: { train: KernelTime[]; infer: KernelTime[] };
}

function stepTimes(ms: number[]): StepTimes {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median_ms: median, min_ms: sorted[0], max_ms: sorted[sorted.length - 1] };
}

async function timeEach(count: number, work: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await work();
    ms.push(performance.now() - start);
  }
  return ms;
}

/**
 * Largest `--batch` (README, exit codes): a batch beyond the wasm heap is refused by its memory
 * estimate, but other backends would allocate until the machine runs out of memory.
 */
export const MAX_BENCH_BATCH = 65_536;

/** Refuses settings that cannot give a meaningful measurement (UsageError), before any backend starts. */
export function checkBenchSettings(s: BenchSettings): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!positiveInt(s.batch) || s.batch > MAX_BENCH_BATCH)
    throw new UsageError(`--batch must be an integer from 1 to ${MAX_BENCH_BATCH} (got ${s.batch})`);
  if (!positiveInt(s.steps)) throw new UsageError(`--steps must be a positive integer (got ${s.steps})`);
  // The first step creates the optimizer's slot variables; counting tensors before it would report them as a leak.
  if (!positiveInt(s.warmup)) throw new UsageError(`--warmup must be at least 1 (got ${s.warmup})`);
}

/** Trains and runs `settings.model` on random data on the current tfjs backend and times it. */
export async function measureBench(settings: BenchSettings): Promise<BenchMeasurement> {
  const seed = settings.seed ?? 0;
  const inputShape = BENCH_INPUT_SHAPES[settings.model];
  const model = buildNetwork({ name: settings.model, feature_dim: settings.featureDim }, inputShape, seed);
  try {
    assertBatchFits(model, settings.batch, tf.getBackend());
    const rng = new Rng(`bench:${seed}`);
    const x = tf.randomNormal([settings.batch, ...inputShape], 0, 1, 'float32', rng.seed());
    const labels = tf.tensor1d(
      Int32Array.from({ length: settings.batch }, () => rng.int(BENCH_CLASSES)),
      'int32',
    );
    const steps = createBenchSteps(model, settings.optimizer, seed);
    try {
      for (let i = 0; i < settings.warmup; i++) await steps.train(x, labels);
      await steps.infer(x);
      const tensorsBefore = tf.memory().numTensors;
      let loss = NaN;
      const trainMs = await timeEach(settings.steps, async () => {
        loss = await steps.train(x, labels);
      });
      const inferMs = await timeEach(settings.steps, () => steps.infer(x));
      const tensorsAfter = tf.memory().numTensors;
      const kernelProfile = settings.profile
        ? {
            train: await profileKernels(() => steps.train(x, labels)),
            infer: await profileKernels(() => steps.infer(x)),
          }
        : undefined;
      const train = stepTimes(trainMs);
      const infer = stepTimes(inferMs);
      return {
        model: settings.model,
        input_shape: [...inputShape],
        batch: settings.batch,
        steps: settings.steps,
        warmup: settings.warmup,
        optimizer: settings.optimizer,
        parameters: countParameters(model).total,
        train_step_ms: train,
        infer_step_ms: infer,
        train_images_per_s: (settings.batch * 1000) / train.median_ms,
        infer_images_per_s: (settings.batch * 1000) / infer.median_ms,
        final_loss: loss,
        estimated_training_bytes: estimateTrainingBytes(model, settings.batch),
        peak_rss_bytes: peakRssBytes(),
        wasm_heap_bytes: wasmHeapBytes(),
        tensors_before: tensorsBefore,
        tensors_after: tensorsAfter,
        tensor_growth: tensorsAfter - tensorsBefore,
        ...(kernelProfile ? { kernel_profile: kernelProfile } : {}),
      };
    } finally {
      steps.dispose();
      x.dispose();
      labels.dispose();
    }
  } finally {
    model.dispose();
  }
}
