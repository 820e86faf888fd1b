import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LabelledFeatures } from '../../src/eval/features.js';
import { cosineNeighbours, knnProbe } from '../../src/eval/probes/knn.js';
import { nccProbe } from '../../src/eval/probes/ncc.js';
import { Rng } from '../../src/util/rng.js';
import { featureMatrix, gaussianClusters } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const [K, d] = [4, 6];
const rng = new Rng('knn-ncc');
// Overlapping clusters: accuracy well below 1, so the reference comparisons have something to get wrong.
const train = gaussianClusters(300, K, d, 1.2, rng);
const test = gaussianClusters(120, K, d, 1.2, rng);

/** Brute force in float64: all cosine similarities, sorted; the same vote rules as the probe. */
function referenceKnn(
  tr: LabelledFeatures,
  te: LabelledFeatures,
  k: number,
  T: number,
): { majority: number[]; weighted: number[]; neighbours: number[][] } {
  const rows = (x: LabelledFeatures['features']) =>
    Array.from({ length: x.n }, (_, i) => {
      const v = Array.from(x.data.subarray(i * x.d, (i + 1) * x.d));
      const norm = Math.hypot(...v);
      return v.map((a) => a / norm);
    });
  const a = rows(tr.features);
  const b = rows(te.features);
  const majority: number[] = [];
  const weighted: number[] = [];
  const neighbours: number[][] = [];
  for (const q of b) {
    const sims = a
      .map((t, i) => ({ i, s: t.reduce((acc, v, j) => acc + v * q[j], 0) }))
      .sort((x, y) => y.s - x.s || x.i - y.i)
      .slice(0, k);
    neighbours.push(sims.map((s) => s.i));
    const vote = (weight: (s: number) => number) => {
      const score = new Map<number, { total: number; first: number }>();
      sims.forEach(({ i, s }, rank) => {
        const y = tr.labels[i];
        const e = score.get(y) ?? { total: 0, first: rank };
        e.total += weight(s);
        score.set(y, e);
      });
      return [...score.entries()].sort((x, y) => y[1].total - x[1].total || x[1].first - y[1].first)[0][0];
    };
    majority.push(vote(() => 1));
    weighted.push(vote((s) => Math.exp(s / T)));
  }
  return { majority, weighted, neighbours };
}

const acc = (pred: number[], labels: Int32Array) => pred.filter((p, i) => p === labels[i]).length / labels.length;

describe('knnProbe', () => {
  it('matches a brute-force float64 reference (neighbours, both votes), in any batch size, without leaks', async () => {
    const k = 7;
    const ref = referenceKnn(train, test, k, 0.07);
    const before = tf.memory().numTensors;
    for (const batchElements of [train.features.n * 5, 1 << 22]) {
      const nb = await cosineNeighbours(train.features, test.features, k, batchElements);
      expect(Array.from(nb.index)).toEqual(ref.neighbours.flat());
      const [plain, weighted] = await knnProbe(train, test, K, { k, batchElements });
      expect(plain.probe).toBe('knn');
      expect(weighted.probe).toBe('knn-weighted');
      expect(plain.accuracy).toBe(acc(ref.majority, test.labels));
      expect(weighted.accuracy).toBe(acc(ref.weighted, test.labels));
      expect(plain.settings).toMatchObject({ k, metric: 'cosine', vote: 'majority' });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('breaks a majority tie toward the nearest neighbour; the weighted vote follows similarity', async () => {
    // Query along e0. Neighbours by similarity: class 1 (0.99), class 0 (0.9), class 0 (0.8), class 1 (0.7).
    const angles = [0.99, 0.9, 0.8, 0.7].map(Math.acos);
    const tr = {
      features: featureMatrix(
        angles.map((a) => [Math.cos(a), Math.sin(a)]),
        2,
      ),
      labels: Int32Array.from([1, 0, 0, 1]),
    };
    const te = { features: featureMatrix([[1, 0]], 2), labels: Int32Array.from([1]) };
    const [plain, weighted] = await knnProbe(tr, te, 2, { k: 4 });
    expect(plain.accuracy).toBe(1); // 2–2 tie, class 1 holds the nearest neighbour
    expect(weighted.accuracy).toBe(1); // e^(0.99/T) + e^(0.7/T) > e^(0.9/T) + e^(0.8/T)
    expect((await knnProbe(tr, te, 2, { k: 3 }))[0].accuracy).toBe(0); // 2–1 for class 0
  });

  it('> 95% on well-separated clusters, chance on shuffled labels', async () => {
    const r = new Rng('knn-separated');
    const [tr, te] = [gaussianClusters(200, K, d, 6, r), gaussianClusters(200, K, d, 6, r)];
    for (const row of await knnProbe(tr, te, K)) expect(row.accuracy).toBeGreaterThan(0.95);
    const shuffle = (s: LabelledFeatures) => ({ ...s, labels: r.shuffle(Int32Array.from(s.labels)) as Int32Array });
    const tolerance = 4 * Math.sqrt(((1 / K) * (1 - 1 / K)) / te.labels.length);
    for (const row of await knnProbe(shuffle(tr), shuffle(te), K))
      expect(Math.abs(row.accuracy - 1 / K)).toBeLessThan(tolerance);
  });

  it('clamps k to the training-set size', async () => {
    const small = {
      features: featureMatrix(
        [
          [1, 0],
          [0, 1],
        ],
        2,
      ),
      labels: Int32Array.from([0, 1]),
    };
    expect((await knnProbe(small, small, 2, { k: 20 }))[0].settings.k).toBe(2);
  });
});

describe('nccProbe', () => {
  function referenceNcc(tr: LabelledFeatures, te: LabelledFeatures, normalise: boolean): number[] {
    const prep = (v: number[]) => (normalise ? v.map((a) => a / Math.hypot(...v)) : v);
    const row = (x: LabelledFeatures['features'], i: number) =>
      prep(Array.from(x.data.subarray(i * x.d, (i + 1) * x.d)));
    const means = Array.from({ length: K }, (_, k) => {
      const members = Array.from({ length: tr.features.n }, (_, i) => i).filter((i) => tr.labels[i] === k);
      return Array.from(
        { length: d },
        (_, j) => members.reduce((s, i) => s + row(tr.features, i)[j], 0) / members.length,
      );
    });
    return Array.from({ length: te.features.n }, (_, i) => {
      const q = row(te.features, i);
      const dist = means.map((m) => m.reduce((s, v, j) => s + (v - q[j]) ** 2, 0));
      return dist.indexOf(Math.min(...dist));
    });
  }

  it('matches a brute-force reference on raw and normalised features', () => {
    for (const normalise of [true, false]) {
      const r = nccProbe(train, test, K, { normalise });
      expect(r.accuracy).toBe(acc(referenceNcc(train, test, normalise), test.labels));
      expect(r.settings.features).toBe(normalise ? 'l2' : 'raw');
    }
  });

  it('> 95% on well-separated clusters, chance on shuffled labels', () => {
    const r = new Rng('ncc-separated');
    const [tr, te] = [gaussianClusters(200, K, d, 6, r), gaussianClusters(200, K, d, 6, r)];
    expect(nccProbe(tr, te, K).accuracy).toBeGreaterThan(0.95);
    const shuffle = (s: LabelledFeatures) => ({ ...s, labels: r.shuffle(Int32Array.from(s.labels)) as Int32Array });
    expect(Math.abs(nccProbe(shuffle(tr), shuffle(te), K).accuracy - 1 / K)).toBeLessThan(
      4 * Math.sqrt(((1 / K) * (1 - 1 / K)) / te.labels.length),
    );
  });
});
