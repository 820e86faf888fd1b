import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { compileInferenceNetwork } from '../../src/model/inference-network.js';
import { buildNetwork, type NetworkConfig } from '../../src/model/networks/index.js';
import { eachBackend } from '../helpers/backends.js';
import { expectNoTensorLeaks } from '../helpers/tensors.js';

/** Every network, narrow, plus a batch-norm that two layers read (it must not be folded). */
const CASES: { what: string; model: () => tf.LayersModel; inputShape: number[] }[] = [
  ...(
    [
      { cfg: { name: 'cnn28', feature_dim: 16, width: 0.25 }, inputShape: [28, 28, 1] },
      { cfg: { name: 'resnet8', feature_dim: 16, width: 0.25 }, inputShape: [16, 16, 3] },
      { cfg: { name: 'mlp', feature_dim: 16, hidden: [12, 10] }, inputShape: [20] },
      { cfg: { name: 'mlp', feature_dim: 16, hidden: [12], batch_norm: false }, inputShape: [6, 6, 1] },
    ] as { cfg: NetworkConfig; inputShape: number[] }[]
  ).map(({ cfg, inputShape }) => ({
    what: `${cfg.name}${cfg.batch_norm === false ? ' without batch-norm' : ''}`,
    model: () => buildNetwork(cfg, inputShape, 3),
    inputShape,
  })),
  {
    what: 'a batch-norm read by two layers',
    inputShape: [5, 5, 2],
    model: () => {
      const input = tf.input({ shape: [5, 5, 2] });
      const conv = tf.layers
        .conv2d({
          filters: 3,
          kernelSize: 3,
          padding: 'valid',
          useBias: true,
          kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
        })
        .apply(input);
      const bn = tf.layers.batchNormalization({ epsilon: 1e-3 }).apply(conv) as tf.SymbolicTensor;
      const a = tf.layers.activation({ activation: 'relu' }).apply(bn);
      const b = tf.layers.activation({ activation: 'tanh' }).apply(bn);
      const sum = tf.layers.add().apply([a, b] as tf.SymbolicTensor[]);
      const flat = tf.layers.flatten().apply(sum);
      const out = tf.layers
        .dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) })
        .apply(flat) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    },
  },
];

/** Moving statistics and affine parameters far from their initial 0/1, so a wrong fold shows. */
function randomiseBatchNorms(model: tf.LayersModel): void {
  let seed = 11;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // gamma, beta, moving mean, moving variance
    const ranges: [number, number][] = [
      [0.5, 2],
      [-1, 1],
      [-1, 1],
      [0.2, 3],
    ];
    const values = layer
      .getWeights()
      .map((w, i) => tf.randomUniform(w.shape, ranges[i][0], ranges[i][1], 'float32', seed++));
    layer.setWeights(values);
    tf.dispose(values);
  }
}

eachBackend(() => {
  expectNoTensorLeaks();

  for (const c of CASES) {
    it(`${c.what}: folded inference equals the layers model in inference mode`, () => {
      const model = c.model();
      randomiseBatchNorms(model);
      const x = tf.randomNormal([6, ...c.inputShape], 0, 1, 'float32', 5);
      const expected = model.apply(x, { training: false }) as tf.Tensor;
      const network = compileInferenceNetwork(model);
      const tensorsCompiled = tf.memory().numTensors;
      const got = network.apply(x);
      // apply leaves nothing behind but its result
      expect(tf.memory().numTensors).toBe(tensorsCompiled + 1);
      expect(got.shape).toEqual(expected.shape);
      const scale = tf.tidy(() => expected.abs().max().dataSync()[0]);
      const maxDiff = tf.tidy(() => got.sub(expected).abs().max().dataSync()[0]);
      expect(scale).toBeGreaterThan(0.1);
      expect(maxDiff / scale).toBeLessThan(1e-5);
      network.dispose();
      tf.dispose([x, expected, got]);
      model.dispose();
    });
  }

  it('folds batch-norms into convolutions: a cnn28 pass runs no batch-norm kernel', async () => {
    const model = buildNetwork({ name: 'cnn28', feature_dim: 8, width: 0.25 }, [12, 12, 1], 0);
    const network = compileInferenceNetwork(model);
    const x = tf.zeros([2, 12, 12, 1]);
    const profile = await tf.profile(() => network.apply(x).dispose());
    const kernels = new Set(profile.kernels.map((k) => k.name));
    expect(kernels.has('FusedBatchNorm')).toBe(false);
    expect(kernels.has('Relu')).toBe(false);
    expect(kernels.has('FusedConv2D')).toBe(true);
    network.dispose();
    x.dispose();
    model.dispose();
  });
});
