import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelledFeatures } from '../../src/eval/features.js';
import { selectC, stratifiedFolds, tunedLinearProbe } from '../../src/eval/probes/linear-tuned.js';
import { linearProbe } from '../../src/eval/probes/linear.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/*
 * scikit-learn 1.2.1 (numpy 1.24.2), made by test/fixtures/geometry/make_fixtures.py: 240 train /
 * 1000 test noisy samples, K=4, d=16; LogisticRegression(C, tol=1e-10) test accuracy at every C of
 * the half-decade lattice 10^-5 … 10^5, on L2-normalised and on standardised features.
 */
interface TunedFixture {
  K: number;
  d: number;
  train: { n: number; features: number[]; labels: number[] };
  test: { n: number; features: number[]; labels: number[] };
  sklearn: { log10_C: number[]; test_accuracy: { l2: number[]; std: number[] } };
}

const fixture: TunedFixture = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../fixtures/geometry/linear-probe-tuned.json'), 'utf8'),
);
const split = (s: TunedFixture['train']): LabelledFeatures => ({
  features: { data: Float32Array.from(s.features), n: s.n, d: fixture.d },
  labels: Int32Array.from(s.labels),
});

describe('tunedLinearProbe vs scikit-learn', () => {
  for (const features of ['l2', 'std'] as const) {
    it(`${features}: test accuracy within 0.5 points of LogisticRegression at the chosen C`, async () => {
      const result = await tunedLinearProbe(split(fixture.train), split(fixture.test), fixture.K, {
        features,
        seed: 0,
      });
      const C = Number(result.settings.C);
      const at = fixture.sklearn.log10_C.findIndex((l) => Math.abs(l - Math.log10(C)) < 1e-9);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(Math.abs(result.accuracy - fixture.sklearn.test_accuracy[features][at])).toBeLessThanOrEqual(0.005);
      expect(result.settings).toMatchObject({ features, C_selection: 'cv', cv_folds: 5, solver: 'lbfgs' });
    });
  }
});

/** Class k centred at `signal`·e_k in d dimensions, unit noise: few samples per dimension and a weak signal favour a small C. */
function noisy(n: number, K: number, d: number, signal: number, rng: Rng): LabelledFeatures {
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % K;
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (j === labels[i] ? signal : 0);
  }
  return { features: { data, n, d }, labels };
}

describe('choosing C', () => {
  const K = 3;
  const rng = new Rng('linear-tuned');
  // 600 samples in 200 dimensions, signal in 3 of them: an unpenalised fit overfits the noise.
  const weak = noisy(600, K, 200, 1, rng);
  const test = noisy(1500, K, 200, 1, rng);

  it('picks an interior, small C on noisy features, and it beats a large fixed C on test', async () => {
    const s = await selectC(weak, K, { seed: 1, features: 'std' });
    expect(s.edge).toBe('none');
    expect(s.C).toBeLessThan(1);
    expect(s.C).toBeGreaterThan(s.tried[0].C);
    const tuned = await tunedLinearProbe(weak, test, K, { seed: 1, features: 'std' });
    const loose = await linearProbe(weak, test, K, { features: 'std', C: 1000 });
    expect(tuned.accuracy).toBeGreaterThan(loose.accuracy + 0.02);
  });

  it('extends a grid whose best C is on its end until the best is interior, and reports an end it cannot pass', async () => {
    const high = await selectC(weak, K, { seed: 1, features: 'std', grid: { from: 0, to: 1, perDecade: 2 }, limit: 5 });
    expect(high.tried[0].C).toBeLessThan(1);
    expect(high.edge).toBe('none');
    expect(high.C).toBeGreaterThan(high.tried[0].C);
    const capped = await selectC(weak, K, {
      seed: 1,
      features: 'std',
      grid: { from: -1, to: 1, perDecade: 2 },
      limit: 1,
    });
    expect(capped.tried.map((t) => t.C)).toEqual([0.1, 10 ** -0.5, 1, 10 ** 0.5, 10]);
    expect(capped.edge).toBe('low');
  });

  it('is seeded: the same seed gives the same C and validation curve, another seed other folds', async () => {
    const small = split(fixture.train);
    const a = await selectC(small, fixture.K, { seed: 7 });
    const b = await selectC(small, fixture.K, { seed: 7 });
    expect(b.tried).toEqual(a.tried);
    expect(b.C).toBe(a.C);
    expect(Array.from(stratifiedFolds(small.labels, fixture.K, 5, 8))).not.toEqual(
      Array.from(stratifiedFolds(small.labels, fixture.K, 5, 7)),
    );
  });

  it('deals every class over the folds: sizes within one, a class of 1 never held out, one of n < k once per fold', () => {
    const labels = Int32Array.from([...Array(50).fill(0), ...Array(11).fill(1), ...Array(2).fill(2), 3]);
    const fold = stratifiedFolds(labels, 4, 5, 0);
    const count = (f: number, k: number) => Array.from(fold).filter((g, i) => g === f && labels[i] === k).length;
    const perFold = [0, 1, 2, 3, 4].map((f) => [0, 1, 2, 3].map((k) => count(f, k)));
    for (const f of perFold) {
      expect(f[0]).toBe(10);
      expect(f[1]).toBeGreaterThanOrEqual(2);
      expect(f[1]).toBeLessThanOrEqual(3);
      expect(f[3]).toBe(0);
    }
    expect(perFold.map((f) => f[2]).reduce((a, b) => a + b)).toBe(2);
    expect(perFold.map((f) => f[2]).every((c) => c <= 1)).toBe(true);
    const sizes = perFold.map((f) => f.reduce((a, b) => a + b));
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(fold[labels.length - 1]).toBe(-1);
    expect(() => stratifiedFolds(labels, 4, 1, 0)).toThrow(/folds must be an integer ≥ 2/);
  });

  it('scores each C by the mean over the folds of a fit on the other folds, scored on the held-out one', async () => {
    const small = split(fixture.train);
    const folds = 4;
    const s = await selectC(small, fixture.K, {
      seed: 5,
      folds,
      features: 'std',
      grid: { from: -1, to: 1, perDecade: 1 },
    });
    const fold = stratifiedFolds(small.labels, fixture.K, folds, 5);
    const rows = (keep: (f: number) => boolean) => Array.from(fold.keys()).filter((i) => keep(fold[i]));
    const take = (idx: number[]): LabelledFeatures => ({
      features: {
        data: Float32Array.from(
          idx.flatMap((i) => Array.from(small.features.data.subarray(i * fixture.d, (i + 1) * fixture.d))),
        ),
        n: idx.length,
        d: fixture.d,
      },
      labels: Int32Array.from(idx, (i) => small.labels[i]),
    });
    for (const t of s.tried.filter((t) => t.C >= 0.1 && t.C <= 10)) {
      const perFold: number[] = [];
      for (let f = 0; f < folds; f++)
        perFold.push(
          (
            await linearProbe(take(rows((g) => g !== f)), take(rows((g) => g === f)), fixture.K, {
              features: 'std',
              C: t.C,
              tol: 1e-8,
            })
          ).accuracy,
        );
      expect(t.valAccuracy).toBeCloseTo(perFold.reduce((a, b) => a + b) / folds, 2);
    }
  });

  it('uses no test features for the choice: scrambled test features change the accuracy, not C', async () => {
    const before = tf.memory().numTensors;
    const [train, held] = [split(fixture.train), split(fixture.test)];
    const a = await tunedLinearProbe(train, held, fixture.K, { seed: 3 });
    const scrambled = {
      features: { ...held.features, data: held.features.data.map(() => rng.normal()) },
      labels: held.labels,
    };
    const b = await tunedLinearProbe(train, scrambled, fixture.K, { seed: 3 });
    expect(b.settings.C).toBe(a.settings.C);
    expect(b.settings.val_accuracy).toBe(a.settings.val_accuracy);
    expect(b.accuracy).not.toBe(a.accuracy);
    expect(tf.memory().numTensors).toBe(before);
  });
});
