import type * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { LayerSeeds } from './blocks.js';
import { cnn28 } from './cnn28.js';
import { mlp } from './mlp.js';
import { resnet20, resnet8 } from './resnet.js';
import {
  NETWORK_NAMES,
  type NetworkConfig,
  type NetworkDefinition,
  type NetworkName,
  type ResolvedNetworkConfig,
} from './types.js';

export { FEATURE_LAYER_NAME } from './blocks.js';
export { NETWORK_NAMES } from './types.js';
export type { NetworkConfig, NetworkName, ResolvedNetworkConfig } from './types.js';

const NETWORKS: Record<NetworkName, NetworkDefinition> = { cnn28, resnet8, resnet20, mlp };

export const NETWORK_DEFAULTS = {
  feature_dim: 128,
  width: 1,
  hidden: [256, 256],
  batch_norm: true,
} as const;

export interface NetworkInfo {
  name: NetworkName;
  description: string;
  inputRanks: readonly number[];
}

export function listNetworks(): NetworkInfo[] {
  return NETWORK_NAMES.map((name) => {
    const { description, inputRanks } = NETWORKS[name];
    return { name, description, inputRanks };
  });
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Fills in defaults and checks every field; errors name the spec field (`network.<field>`). */
export function resolveNetworkConfig(cfg: NetworkConfig): ResolvedNetworkConfig {
  if (!(NETWORK_NAMES as readonly string[]).includes(cfg.name)) {
    throw new UsageError(`network.name: unknown network '${cfg.name}'; choose one of ${NETWORK_NAMES.join(', ')}`);
  }
  const resolved: ResolvedNetworkConfig = {
    name: cfg.name,
    feature_dim: cfg.feature_dim ?? NETWORK_DEFAULTS.feature_dim,
    width: cfg.width ?? NETWORK_DEFAULTS.width,
    hidden: [...(cfg.hidden ?? NETWORK_DEFAULTS.hidden)],
    batch_norm: cfg.batch_norm ?? NETWORK_DEFAULTS.batch_norm,
  };
  if (!isPositiveInteger(resolved.feature_dim)) {
    throw new UsageError(`network.feature_dim must be a positive integer (got ${resolved.feature_dim})`);
  }
  if (!(typeof resolved.width === 'number' && Number.isFinite(resolved.width) && resolved.width > 0)) {
    throw new UsageError(`network.width must be a positive number (got ${resolved.width})`);
  }
  if (!resolved.hidden.every((units) => isPositiveInteger(units))) {
    throw new UsageError(`network.hidden must be a list of positive integers (got [${resolved.hidden.join(', ')}])`);
  }
  return resolved;
}

/**
 * Builds the feature extractor named by `cfg` for inputs of `inputShape` (without the batch axis).
 * Its output is the layer named `features`, shape [N, feature_dim]; the classifier head belongs to
 * the loss. Every initialiser is seeded from `seed`, so equal seeds give equal weights.
 */
export function buildNetwork(cfg: NetworkConfig, inputShape: readonly number[], seed: number): tf.LayersModel {
  const resolved = resolveNetworkConfig(cfg);
  const network = NETWORKS[resolved.name];
  if (!network.inputRanks.includes(inputShape.length) || !inputShape.every(isPositiveInteger)) {
    throw new UsageError(
      `network.name: ${resolved.name} takes inputs of rank ${network.inputRanks.join(' or ')} ` +
        `(got shape [${inputShape.join(', ')}]); pick a network that fits the dataset`,
    );
  }
  return network.build(resolved, inputShape, new LayerSeeds(seed));
}

export interface ParameterCount {
  trainable: number;
  non_trainable: number;
  total: number;
}

export function countParameters(model: tf.LayersModel): ParameterCount {
  const sum = (weights: tf.LayerVariable[]) =>
    weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  const trainable = sum(model.trainableWeights);
  const non_trainable = sum(model.nonTrainableWeights);
  return { trainable, non_trainable, total: trainable + non_trainable };
}
