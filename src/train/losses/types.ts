import type * as tf from '@tensorflow/tfjs';

/** The `method:` block of a spec: the loss name plus its knobs (each loss uses a subset). */
export interface MethodSpec {
  name: string;
  scale?: number | null;
  theta?: number | null;
  label_smoothing?: number | null;
  mean_weight?: number | null;
  tau?: number | null;
  [k: string]: unknown;
}

/** What a loss needs to know about the training task. */
export interface LossContext {
  numClasses: number;
  featureDim: number;
  seed: number;
  /** Training-label frequencies (any positive scale), for logit adjustment. */
  classPrior?: Float32Array;
}

export interface Loss {
  name: string;
  /** Trainable variables of the head (ce's W, b); empty for fixed-ETF losses. */
  headVariables: tf.Variable[];
  /** The class directions used for geometry (ETF rows, K×d), or null for a learnable head. Owned by the loss. */
  classDirections(): tf.Tensor2D | null;
  /** Logits [N,K] from features [N,d] used to predict (never clipped or prior-adjusted: for accuracy). */
  logits(features: tf.Tensor2D): tf.Tensor2D;
  /** Scalar mean training loss; labels are int32 [N]. Built from one-hot masks, never tf.gather (no gradient on wasm). */
  loss(features: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
  /** Head tensors to checkpoint, by stable name. These are the live tensors: do not dispose them. */
  state(): Record<string, tf.Tensor>;
  /** Restores head tensors saved by state(); copies the values, the caller keeps ownership of `s`. */
  setState(s: Record<string, tf.Tensor>): void;
  dispose(): void;
}

export interface ParamInfo {
  default: number | string | null;
  description: string;
}

/** Method parameters after defaults and validation, all numeric (theta resolved to degrees for K). */
export type ResolvedParams = Record<string, number>;

/** One registry entry: a loss file exports exactly one of these. */
export interface LossDefinition {
  name: string;
  description: string;
  /** Names of the spec knobs this loss reads (keys of PARAMS in params.ts). */
  params: readonly string[];
  /** The classifier is the fixed simplex ETF (such a method needs feature_dim >= K). */
  fixedEtf?: boolean;
  create(params: ResolvedParams, ctx: LossContext): Loss;
}
