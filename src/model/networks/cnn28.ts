import * as tf from '@tensorflow/tfjs';
import { batchNorm, convBnRelu, featureLayer, scaledChannels, type LayerSeeds } from './blocks.js';
import type { NetworkDefinition, ResolvedNetworkConfig } from './types.js';

/** Channels of the four 3×3 convs at width 1; a 2×2 max-pool follows the 2nd and the 4th. */
const CONV_CHANNELS = [32, 32, 64, 64] as const;
const POOL_AFTER = new Set([1, 3]);

function build(cfg: ResolvedNetworkConfig, inputShape: readonly number[], seeds: LayerSeeds): tf.LayersModel {
  const input = tf.input({ shape: [...inputShape], name: 'image' });
  let x: tf.SymbolicTensor = input;
  CONV_CHANNELS.forEach((base, i) => {
    x = convBnRelu(x, { name: `conv${i + 1}`, filters: scaledChannels(base, cfg.width), kernel: 3 }, seeds);
    if (POOL_AFTER.has(i)) {
      x = tf.layers.maxPooling2d({ name: `pool${i + 1}`, poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
    }
  });
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  // Centre and scale the 3136 non-negative pooled activations before the affine feature layer:
  // without it their common positive mean makes every update of that layer move all features
  // the same way, and a learnable head (ce) diverges at the usual SGD rates.
  x = batchNorm(x, 'flatten_bn');
  return tf.model({ name: cfg.name, inputs: input, outputs: featureLayer(x, cfg.feature_dim, seeds) });
}

export const cnn28: NetworkDefinition = {
  name: 'cnn28',
  description:
    'four 3×3 conv+BN+ReLU (32,32,64,64 × width), max-pool after the 2nd and 4th, BN on the flattened map; for 28×28 images',
  inputRanks: [3],
  build,
};
