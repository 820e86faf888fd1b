import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';

/** Name of the layer whose output is every network's output: the features the losses and probes see. */
export const FEATURE_LAYER_NAME = 'features';

/**
 * Hands every initialiser its own seed, drawn in layer-creation order from one network seed, so a
 * build is reproducible from `(config, input shape, seed)` while layers of equal shape still start
 * from different weights.
 */
export class LayerSeeds {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(`network:${seed}`);
  }

  next(): number {
    return this.rng.seed();
  }
}

type Sym = tf.SymbolicTensor;

/** PyTorch's BatchNorm2d defaults (momentum 0.1 there = 0.9 here, eps 1e-5), so bench/ compares like with like. */
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-5;

export function scaledChannels(base: number, width: number): number {
  return Math.max(1, Math.round(base * width));
}

/** Bias-free conv (the batch-norm that follows has the shift), He-normal as in He et al. 2015. */
export function conv(
  x: Sym,
  opts: { name: string; filters: number; kernel: number; stride?: number },
  seeds: LayerSeeds,
): Sym {
  return tf.layers
    .conv2d({
      name: opts.name,
      filters: opts.filters,
      kernelSize: opts.kernel,
      strides: opts.stride ?? 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: seeds.next() }),
    })
    .apply(x) as Sym;
}

export function batchNorm(x: Sym, name: string): Sym {
  return tf.layers.batchNormalization({ name, momentum: BN_MOMENTUM, epsilon: BN_EPSILON }).apply(x) as Sym;
}

export function relu(x: Sym, name: string): Sym {
  return tf.layers.activation({ name, activation: 'relu' }).apply(x) as Sym;
}

export function convBnRelu(
  x: Sym,
  opts: { name: string; filters: number; kernel: number; stride?: number },
  seeds: LayerSeeds,
): Sym {
  const c = conv(x, opts, seeds);
  return relu(batchNorm(c, `${opts.name}_bn`), `${opts.name}_relu`);
}

export function dense(
  x: Sym,
  opts: { name: string; units: number; useBias: boolean; init: 'he' | 'glorot' },
  seeds: LayerSeeds,
): Sym {
  const seed = seeds.next();
  return tf.layers
    .dense({
      name: opts.name,
      units: opts.units,
      useBias: opts.useBias,
      kernelInitializer:
        opts.init === 'he' ? tf.initializers.heNormal({ seed }) : tf.initializers.glorotUniform({ seed }),
      biasInitializer: 'zeros',
    })
    .apply(x) as Sym;
}

/**
 * The feature layer: a plain affine map, no ReLU and no batch-norm. A ReLU would confine features to
 * the positive orthant, where the simplex-ETF directions (rows summing to zero) cannot be reached;
 * a batch-norm would standardise every feature dimension over the batch, fixing the scale and
 * coupling samples, which distorts the collapse metrics the project measures. The layers before it
 * end in BN+ReLU, so its input is already well scaled.
 */
export function featureLayer(x: Sym, featureDim: number, seeds: LayerSeeds): Sym {
  return dense(x, { name: FEATURE_LAYER_NAME, units: featureDim, useBias: true, init: 'glorot' }, seeds);
}
