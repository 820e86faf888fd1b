import type * as tf from '@tensorflow/tfjs';
import type { LayerSeeds } from './blocks.js';

export const NETWORK_NAMES = ['cnn28', 'resnet8', 'resnet20', 'mlp'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** A network as a spec names it. Only `name` is required; the rest have per-network defaults. */
export interface NetworkConfig {
  name: NetworkName;
  /** Width of the `features` layer (the penultimate layer the losses and probes see). */
  feature_dim?: number;
  /** Channel multiplier for the conv nets (1 = the standard widths). */
  width?: number;
  /** Hidden layer widths of `mlp`. */
  hidden?: number[];
  /** Batch-norm after each hidden layer of `mlp` (the conv nets always use it). */
  batch_norm?: boolean;
}

/** A config with every default filled in: what a resolved spec records. */
export interface ResolvedNetworkConfig {
  name: NetworkName;
  feature_dim: number;
  width: number;
  hidden: number[];
  batch_norm: boolean;
}

export interface NetworkDefinition {
  name: NetworkName;
  description: string;
  /** Input ranks (without the batch axis) the network accepts. */
  inputRanks: readonly number[];
  build(cfg: ResolvedNetworkConfig, inputShape: readonly number[], seeds: LayerSeeds): tf.LayersModel;
}
