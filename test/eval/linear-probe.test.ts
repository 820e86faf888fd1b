import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { l2NormaliseRows, type LabelledFeatures } from '../../src/eval/features.js';
import { fitSoftmaxRegression, linearProbe } from '../../src/eval/probes/linear.js';
import { Rng } from '../../src/util/rng.js';
import { gaussianClusters } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/*
 * scikit-learn 1.2.1 (numpy 1.24.2), made by test/fixtures/geometry/make_fixtures.py:
 *   LogisticRegression(C=1.0, max_iter=10000, tol=1e-10).fit(normalize(X), y) on 400 train / 400 test
 *   samples, K=4, d=8: test accuracy 0.7300 (the default call gives 0.7300 too); objective 295.720336.
 *   This library, cpu backend: default tol 1e-5: accuracy 0.7300, objective 295.720340 (21 iterations);
 *   tol 1e-7: objective 295.720335, max |W − sklearn's W| = 2.6e-5.
 *
 * At the target size, N=60000, d=128, K=10 (MNIST pixels through a fixed random 784→128 ReLU
 * projection, L2-normalised; 10000 test images):
 *   scikit-learn, default call (tol 1e-4, max_iter 100, not converged):  87.35%, 13.5 s
 *   scikit-learn, max_iter=5000, tol=1e-8 (converged, 221 iterations):    87.34%, 29.7 s
 *   this library, wasm backend, default tol 1e-5 (175 iterations):        87.34%, 18.1 s
 *   (wall times on the shared 2-core machine while other jobs kept the load near 10.)
 */
interface ProbeFixture {
  K: number;
  d: number;
  C: number;
  train: { n: number; features: number[]; labels: number[] };
  test: { n: number; features: number[]; labels: number[] };
  sklearn: { test_accuracy: number; objective: number; coef: number[]; intercept: number[] };
}

const fixture: ProbeFixture = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../fixtures/geometry/linear-probe.json'), 'utf8'),
);
const split = (s: ProbeFixture['train']): LabelledFeatures => ({
  features: { data: Float32Array.from(s.features), n: s.n, d: fixture.d },
  labels: Int32Array.from(s.labels),
});

describe('linearProbe vs scikit-learn', () => {
  it('test accuracy within 1 point of LogisticRegression(C=1) on the same L2-normalised features', async () => {
    const result = await linearProbe(split(fixture.train), split(fixture.test), fixture.K);
    expect(Math.abs(result.accuracy - fixture.sklearn.test_accuracy)).toBeLessThanOrEqual(0.01);
    expect(result.settings).toMatchObject({ features: 'l2', C: 1, solver: 'lbfgs' });
  });

  it('reaches the same optimum: objective, coefficients and (up to a shift) intercepts', async () => {
    const train = split(fixture.train);
    const K = fixture.K;
    const fit = await fitSoftmaxRegression(l2NormaliseRows(train.features), train.labels, K, {
      C: fixture.C,
      maxIter: 1000,
      tol: 1e-7,
    });
    expect(fit.objective).toBeLessThanOrEqual(fixture.sklearn.objective * (1 + 1e-7));
    fit.W.forEach((w, i) => expect(Math.abs(w - fixture.sklearn.coef[i])).toBeLessThan(5e-4));
    // Softmax is invariant to adding one constant to every bias; compare centred intercepts.
    const centre = (b: ArrayLike<number>) => Array.from(b, (v) => v - Array.from(b).reduce((s, x) => s + x, 0) / K);
    const [ours, theirs] = [centre(fit.b), centre(fixture.sklearn.intercept)];
    ours.forEach((v, k) => expect(Math.abs(v - theirs[k])).toBeLessThan(5e-4));
  });

  it('returns a stationary point of the objective (gradient checked in float64 here)', async () => {
    const train = split(fixture.train);
    const x = l2NormaliseRows(train.features);
    const { K, d } = fixture;
    const C = 0.5;
    const fit = await fitSoftmaxRegression(x, train.labels, K, { C, maxIter: 1000, tol: 1e-7 });
    // ∇_W = Σ_i (p_i − e_{y_i}) x_iᵀ + W/C and ∇_b = Σ_i (p_i − e_{y_i}) must both vanish.
    const gW = Float64Array.from(fit.W, (w) => w / C);
    const gb = new Float64Array(K);
    for (let i = 0; i < x.n; i++) {
      const z = Array.from(
        { length: K },
        (_, k) =>
          fit.b[k] +
          Array.from({ length: d }, (_, j) => fit.W[k * d + j] * x.data[i * d + j]).reduce((s, v) => s + v, 0),
      );
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((s, v) => s + v, 0);
      for (let k = 0; k < K; k++) {
        const r = e[k] / sum - (k === train.labels[i] ? 1 : 0);
        gb[k] += r;
        for (let j = 0; j < d; j++) gW[k * d + j] += r * x.data[i * d + j];
      }
    }
    // Relative to the size of one sample's gradient (≤ √2) times N: the mean gradient is ≤ 1e-5.
    for (const g of [...gW, ...gb]) expect(Math.abs(g) / x.n).toBeLessThan(1e-5);
  });
});

describe('linearProbe on synthetic data', () => {
  const rng = new Rng('linear-probe-synthetic');
  const [K, d] = [4, 8];
  const train = gaussianClusters(400, K, d, 5, rng);
  const test = gaussianClusters(400, K, d, 5, rng);

  it('> 95% on well-separated clusters, raw and normalised, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    expect((await linearProbe(train, test, K)).accuracy).toBeGreaterThan(0.95);
    expect((await linearProbe(train, test, K, { features: 'raw', C: 10 })).accuracy).toBeGreaterThan(0.95);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('at chance on shuffled labels (1/K ± 4 standard errors)', async () => {
    const shuffled = (s: LabelledFeatures) => ({
      features: s.features,
      labels: rng.shuffle(Int32Array.from(s.labels)) as Int32Array,
    });
    const acc = (await linearProbe(shuffled(train), shuffled(test), K)).accuracy;
    expect(Math.abs(acc - 1 / K)).toBeLessThan(4 * Math.sqrt(((1 / K) * (1 - 1 / K)) / test.labels.length));
  });

  it('is deterministic and the penalty C matters', async () => {
    const a = await fitSoftmaxRegression(l2NormaliseRows(train.features), train.labels, K, {
      C: 1,
      maxIter: 1000,
      tol: 1e-6,
    });
    const b = await fitSoftmaxRegression(l2NormaliseRows(train.features), train.labels, K, {
      C: 1,
      maxIter: 1000,
      tol: 1e-6,
    });
    const strong = await fitSoftmaxRegression(l2NormaliseRows(train.features), train.labels, K, {
      C: 0.01,
      maxIter: 1000,
      tol: 1e-6,
    });
    expect(Array.from(a.W)).toEqual(Array.from(b.W));
    const norm = (w: Float64Array) => Math.sqrt(w.reduce((s, v) => s + v * v, 0));
    expect(norm(strong.W)).toBeLessThan(0.5 * norm(a.W));
  });

  it('stays finite on raw features of large scale (logits in the thousands)', async () => {
    const scale = (s: LabelledFeatures) => ({
      ...s,
      features: { ...s.features, data: s.features.data.map((v) => v * 1000) },
    });
    const fit = await fitSoftmaxRegression(scale(train).features, train.labels, K, { C: 1, maxIter: 200, tol: 1e-5 });
    expect(Number.isFinite(fit.objective)).toBe(true);
    expect(
      (await linearProbe(scale(train), scale(test), K, { features: 'raw', maxIter: 200 })).accuracy,
    ).toBeGreaterThan(0.95);
  });

  it('rejects labels outside [0, K)', async () => {
    await expect(linearProbe(train, { ...test, labels: Int32Array.from(test.labels, () => K) }, K)).rejects.toThrow(
      /outside \[0, 4\)/,
    );
  });
});
