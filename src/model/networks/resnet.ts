import * as tf from '@tensorflow/tfjs';
import { batchNorm, conv, convBnRelu, featureLayer, relu, scaledChannels, type LayerSeeds } from './blocks.js';
import type { NetworkDefinition, NetworkName, ResolvedNetworkConfig } from './types.js';

type Sym = tf.SymbolicTensor;

/** Channels of the three stages at width 1 (He et al. 2016, CIFAR ResNets); stages 2 and 3 halve the resolution. */
const STAGE_CHANNELS = [16, 32, 64] as const;

/**
 * Basic block: conv3×3(stride)–BN–ReLU–conv3×3–BN, plus a shortcut, then ReLU. Where the shape
 * changes the shortcut is a strided 1×1 conv + BN (option B): it needs no depthwise conv or
 * zero-padding gather, both of which lack gradients on the wasm backend.
 */
function basicBlock(x: Sym, name: string, filters: number, stride: number, seeds: LayerSeeds): Sym {
  const inChannels = x.shape[x.shape.length - 1];
  const a = convBnRelu(x, { name: `${name}_conv1`, filters, kernel: 3, stride }, seeds);
  const b = batchNorm(conv(a, { name: `${name}_conv2`, filters, kernel: 3 }, seeds), `${name}_conv2_bn`);
  const shortcut =
    stride === 1 && inChannels === filters
      ? x
      : batchNorm(conv(x, { name: `${name}_shortcut`, filters, kernel: 1, stride }, seeds), `${name}_shortcut_bn`);
  return relu(tf.layers.add({ name: `${name}_add` }).apply([b, shortcut]) as Sym, `${name}_relu`);
}

/** A CIFAR ResNet of depth 6n+2: a stem conv, three stages of n basic blocks, global average pool. */
function resnet(name: NetworkName, blocksPerStage: number): NetworkDefinition {
  const depth = 6 * blocksPerStage + 2;
  return {
    name,
    description: `CIFAR ResNet-${depth} (${blocksPerStage} basic block(s) per stage, 16/32/64 × width channels); for 32×32 images`,
    inputRanks: [3],
    build(cfg: ResolvedNetworkConfig, inputShape: readonly number[], seeds: LayerSeeds): tf.LayersModel {
      const input = tf.input({ shape: [...inputShape], name: 'image' });
      let x = convBnRelu(
        input,
        { name: 'stem', filters: scaledChannels(STAGE_CHANNELS[0], cfg.width), kernel: 3 },
        seeds,
      );
      STAGE_CHANNELS.forEach((base, stage) => {
        for (let block = 0; block < blocksPerStage; block++) {
          const stride = stage > 0 && block === 0 ? 2 : 1;
          const filters = scaledChannels(base, cfg.width);
          x = basicBlock(x, `stage${stage + 1}_block${block + 1}`, filters, stride, seeds);
        }
      });
      x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as Sym;
      return tf.model({ name: cfg.name, inputs: input, outputs: featureLayer(x, cfg.feature_dim, seeds) });
    },
  };
}

export const resnet8 = resnet('resnet8', 1);
export const resnet20 = resnet('resnet20', 3);
