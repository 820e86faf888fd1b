import * as tf from '@tensorflow/tfjs';
import { batchNorm, dense, featureLayer, relu, type LayerSeeds } from './blocks.js';
import type { NetworkDefinition, ResolvedNetworkConfig } from './types.js';

type Sym = tf.SymbolicTensor;

function build(cfg: ResolvedNetworkConfig, inputShape: readonly number[], seeds: LayerSeeds): tf.LayersModel {
  const input = tf.input({ shape: [...inputShape], name: 'input' });
  // Images are accepted too: an MLP on flattened pixels is a useful quick baseline.
  let x: Sym = inputShape.length > 1 ? (tf.layers.flatten({ name: 'flatten' }).apply(input) as Sym) : input;
  cfg.hidden.forEach((units, i) => {
    const name = `hidden${i + 1}`;
    // The batch-norm's shift replaces the dense bias.
    x = dense(x, { name, units, useBias: !cfg.batch_norm, init: 'he' }, seeds);
    if (cfg.batch_norm) x = batchNorm(x, `${name}_bn`);
    x = relu(x, `${name}_relu`);
  });
  return tf.model({ name: cfg.name, inputs: input, outputs: featureLayer(x, cfg.feature_dim, seeds) });
}

export const mlp: NetworkDefinition = {
  name: 'mlp',
  description: 'dense+BN+ReLU hidden layers (default 256,256), for flat vectors (images are flattened)',
  inputRanks: [1, 2, 3],
  build,
};
