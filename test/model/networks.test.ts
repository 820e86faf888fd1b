import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  buildNetwork,
  countParameters,
  FEATURE_LAYER_NAME,
  listNetworks,
  resolveNetworkConfig,
  type NetworkConfig,
} from '../../src/model/networks/index.js';

/** Small but structurally complete variants (every layer kind present), so the cpu backend stays fast. */
const CASES: { cfg: NetworkConfig; inputShape: number[] }[] = [
  { cfg: { name: 'cnn28', feature_dim: 16, width: 0.25 }, inputShape: [28, 28, 1] },
  { cfg: { name: 'resnet8', feature_dim: 16, width: 0.25 }, inputShape: [32, 32, 3] },
  { cfg: { name: 'resnet20', feature_dim: 16, width: 0.25 }, inputShape: [16, 16, 3] },
  { cfg: { name: 'mlp', feature_dim: 16, hidden: [12, 10] }, inputShape: [20] },
  { cfg: { name: 'mlp', feature_dim: 16, hidden: [12], batch_norm: false }, inputShape: [6, 6, 1] },
];

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function sameValues(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => w.length === b[i].length && w.every((v, j) => v === b[i][j]));
}

let tensorsAtStart = 0;
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('networks', () => {
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(tensorsAtStart);
  });

  it('lists every network with a description', () => {
    tensorsAtStart = tf.memory().numTensors;
    expect(listNetworks().map((n) => n.name)).toEqual(['cnn28', 'resnet8', 'resnet20', 'mlp']);
    for (const n of listNetworks()) expect(n.description.length).toBeGreaterThan(10);
  });

  it.each(CASES)(
    '$cfg.name $inputShape outputs [N, feature_dim] from the layer named features',
    ({ cfg, inputShape }) => {
      tensorsAtStart = tf.memory().numTensors;
      const model = buildNetwork(cfg, inputShape, 1);
      expect(model.outputs).toHaveLength(1);
      expect(model.outputs[0].sourceLayer.name).toBe(FEATURE_LAYER_NAME);
      expect(model.outputs[0].shape).toEqual([null, 16]);
      const y = tf.tidy(() => model.apply(tf.ones([2, ...inputShape]), { training: false }) as tf.Tensor);
      expect(y.shape).toEqual([2, 16]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
      model.dispose();
    },
  );

  it.each(CASES)(
    '$cfg.name: the same seed gives the same weights, another seed other weights',
    ({ cfg, inputShape }) => {
      tensorsAtStart = tf.memory().numTensors;
      const [a, b, c] = [7, 7, 8].map((seed) => buildNetwork(cfg, inputShape, seed));
      const [wa, wb, wc] = [a, b, c].map(weightValues);
      expect(sameValues(wa, wb)).toBe(true);
      expect(sameValues(wa, wc)).toBe(false);
      // Every randomly initialised kernel differs, not just one of them.
      a.weights.forEach((w, i) => {
        if (w.name.endsWith('kernel')) expect(sameValues([wa[i]], [wc[i]])).toBe(false);
      });
      [a, b, c].forEach((m) => m.dispose());
    },
  );

  it('gives layers of equal shape different initial weights', () => {
    tensorsAtStart = tf.memory().numTensors;
    const model = buildNetwork({ name: 'resnet8', width: 0.25 }, [8, 8, 3], 3);
    const first = model.getLayer('stage1_block1_conv1').getWeights()[0].dataSync();
    const second = model.getLayer('stage1_block1_conv2').getWeights()[0].dataSync();
    expect(first.length).toBe(second.length);
    expect(Array.from(first)).not.toEqual(Array.from(second));
    model.dispose();
  });

  it.each(CASES)(
    '$cfg.name: a training step reaches every trainable weight with a finite gradient',
    ({ cfg, inputShape }) => {
      tensorsAtStart = tf.memory().numTensors;
      const model = buildNetwork(cfg, inputShape, 2);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const x = tf.randomNormal([3, ...inputShape], 0, 1, 'float32', 5);
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar),
        variables,
      );
      expect(Object.keys(grads)).toHaveLength(variables.length);
      for (const v of variables) {
        const g = grads[v.name].dataSync();
        expect(Array.from(g).every(Number.isFinite)).toBe(true);
        expect(g.some((e) => e !== 0)).toBe(true);
      }
      tf.dispose([value, x, ...Object.values(grads)]);
      model.dispose();
    },
  );

  it('mlp: the backward pass matches a central finite difference (training mode, batch-norm on)', () => {
    tensorsAtStart = tf.memory().numTensors;
    const model = buildNetwork({ name: 'mlp', feature_dim: 4, hidden: [6] }, [5], 11);
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 12);
    const loss = () => tf.tidy(() => tf.sum(tf.sin(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    const first = model.getLayer('hidden1').weights[0].read() as tf.Variable;
    const { value, grads } = tf.variableGrads(loss, [first]);
    const direction = tf.tidy(() => {
      const v = tf.randomNormal(first.shape, 0, 1, 'float32', 13);
      return tf.div(v, tf.norm(v));
    });
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[first.name], direction)).dataSync()[0]);
    const original = first.clone();
    const lossAt = (eps: number) => {
      tf.tidy(() => first.assign(tf.add(original, tf.mul(direction, eps))));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const eps = 1e-3;
    const numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    first.assign(original);
    expect(Math.abs(analytic)).toBeGreaterThan(0.1);
    expect(Math.abs(numeric - analytic) / Math.abs(analytic)).toBeLessThan(1e-2);
    tf.dispose([value, x, direction, original, ...Object.values(grads)]);
    model.dispose();
  });

  it('counts parameters in closed form', () => {
    tensorsAtStart = tf.memory().numTensors;
    // mlp 20 → 8 (no bias, BN) → 4: 20·8 + 2·8 trainable BN + 8·4 + 4; moving mean/variance 2·8.
    const mlp = buildNetwork({ name: 'mlp', feature_dim: 4, hidden: [8] }, [20], 0);
    expect(countParameters(mlp)).toEqual({ trainable: 160 + 16 + 36, non_trainable: 16, total: 228 });
    mlp.dispose();
    // ResNet-20 (option B): the textbook 0.27 M in 3×3 convs, plus two 1×1 projection shortcuts, BN and features.
    const resnet = buildNetwork({ name: 'resnet20', feature_dim: 128 }, [32, 32, 3], 0);
    const convs = 3 * 16 * 9 + 6 * 16 * 16 * 9 + (16 * 32 * 9 + 5 * 32 * 32 * 9) + (32 * 64 * 9 + 5 * 64 * 64 * 9);
    const shortcuts = 16 * 32 + 32 * 64;
    const bnChannels = 16 + 6 * 16 + 7 * 32 + 7 * 64;
    expect(countParameters(resnet).trainable).toBe(convs + shortcuts + 2 * bnChannels + 64 * 128 + 128);
    expect(countParameters(resnet).non_trainable).toBe(2 * bnChannels);
    resnet.dispose();
    // cnn28: four 3×3 convs, a batch-norm on the 7·7·64 flattened activations, then 7·7·64 → 128.
    const cnn = buildNetwork({ name: 'cnn28' }, [28, 28, 1], 0);
    const cnnConvs = 9 * (1 * 32 + 32 * 32 + 32 * 64 + 64 * 64);
    const cnnBnChannels = 32 + 32 + 64 + 64 + 7 * 7 * 64;
    expect(countParameters(cnn).trainable).toBe(cnnConvs + 2 * cnnBnChannels + 7 * 7 * 64 * 128 + 128);
    expect(countParameters(cnn).non_trainable).toBe(2 * cnnBnChannels);
    cnn.dispose();
  });

  it('rejects bad configs and input shapes with a UsageError naming the field', () => {
    tensorsAtStart = tf.memory().numTensors;
    expect(() => resolveNetworkConfig({ name: 'resnet2' as never })).toThrow(/network\.name.*resnet20/);
    expect(() => resolveNetworkConfig({ name: 'mlp', feature_dim: 0 })).toThrow(UsageError);
    expect(() => resolveNetworkConfig({ name: 'cnn28', width: -1 })).toThrow(/network\.width/);
    expect(() => resolveNetworkConfig({ name: 'mlp', hidden: [4, 2.5] })).toThrow(/network\.hidden/);
    expect(() => buildNetwork({ name: 'cnn28' }, [784], 0)).toThrow(/rank 3/);
    expect(resolveNetworkConfig({ name: 'mlp' })).toEqual({
      name: 'mlp',
      feature_dim: 128,
      width: 1,
      hidden: [256, 256],
      batch_norm: true,
    });
  });
});
