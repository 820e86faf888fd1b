import type * as tf from '@tensorflow/tfjs';
import type { OPTIMIZER_NAMES } from '../config/schema.js';
import { compileInferenceNetwork, type InferenceNetwork } from '../model/inference-network.js';
import { createLoss } from '../train/losses/index.js';
import { createOptimizer, disposeOptimizer } from '../train/optimizer.js';

export type BenchOptimizer = (typeof OPTIMIZER_NAMES)[number];

/** The classes of the benchmark's linear head: CIFAR-10/MNIST sized, as bench/torch_reference.py. */
export const BENCH_CLASSES = 10;

/** The learning rates only keep the weights finite over a few steps; they do not affect the timing. */
const OPTIMIZERS = {
  sgd: { name: 'sgd', lr: 0.01, momentum: 0.9, weight_decay: 0, feature_weight_decay: null, beta1: 0.9, beta2: 0.999 },
  adam: { name: 'adam', lr: 1e-3, momentum: 0, weight_decay: 0, feature_weight_decay: null, beta1: 0.9, beta2: 0.999 },
} as const;

export interface BenchSteps {
  /**
   * One optimizer step in training mode (batch-norm on batch statistics); returns the loss, read back
   * to sync. Read-backs are asynchronous: webgpu cannot read back synchronously in Node.
   */
  train(x: tf.Tensor, labels: tf.Tensor1D): Promise<number>;
  /** One forward pass in inference mode (batch-norm statistics folded in, as extract runs it), read back to sync. */
  infer(x: tf.Tensor): Promise<void>;
  dispose(): void;
}

/**
 * The step that is timed: network → linear head → softmax cross-entropy (the `ce` method) → SGD with
 * momentum (or Adam), built from the same loss and optimizer code as training.
 */
export function createBenchSteps(model: tf.LayersModel, optimizer: BenchOptimizer, seed: number): BenchSteps {
  const featureDim = model.outputs[0].shape[1] as number;
  const head = createLoss({ name: 'ce' }, { numClasses: BENCH_CLASSES, featureDim, seed });
  const opt = createOptimizer(OPTIMIZERS[optimizer]);
  // The layers' variables in a fixed order: optimizer slots are matched to variables by position.
  const variables = [...model.trainableWeights.map((w) => w.read() as tf.Variable), ...head.headVariables];
  // Folded once per set of weights, as featuresOf folds once per split; a training step invalidates it.
  let network: InferenceNetwork | null = null;
  return {
    async train(x, labels) {
      network?.dispose();
      network = null;
      const cost = opt.minimize(
        () => head.loss(model.apply(x, { training: true }) as tf.Tensor2D, labels),
        true,
        variables,
      );
      const value = (await (cost as tf.Scalar).data())[0];
      cost?.dispose();
      return value;
    },
    async infer(x) {
      network ??= compileInferenceNetwork(model);
      const features = network.apply(x);
      // Read outside tf.tidy, which would walk the returned typed array element by element.
      await features.data();
      features.dispose();
    },
    dispose() {
      network?.dispose();
      disposeOptimizer(opt);
      head.dispose();
    },
  };
}
