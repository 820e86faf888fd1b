import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/registry.js';
import { generateSynthetic, resolveSyntheticParams } from '../../src/data/synthetic.js';
import { UsageError } from '../../src/errors.js';
import { readCsv } from '../../src/io/csv.js';
import { RUN_FILES } from '../../src/io/run-layout.js';
import { pretrain } from '../../src/pipelines/pretrain.js';

const dist2 = (a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number) => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[ai * dim + d] - b[bi * dim + d]) ** 2;
  return s;
};

/** Mean of the samples of each class, row-major classes×dim. */
function classMeans(images: Float32Array, labels: Int32Array, k: number, dim: number): Float32Array {
  const sums = new Float32Array(k * dim);
  const counts = new Array<number>(k).fill(0);
  labels.forEach((y, i) => {
    counts[y]++;
    for (let d = 0; d < dim; d++) sums[y * dim + d] += images[i * dim + d];
  });
  return sums.map((v, j) => v / counts[Math.floor(j / dim)]);
}

describe('synthetic hierarchical mixture', () => {
  const params = { coarse: 3, fine_per_coarse: 4, dim: 16, train_per_fine: 30, test_per_fine: 10 };

  it('is a pure function of its parameters and seed', async () => {
    const a = await loadDataset({ name: 'synthetic', synthetic: { ...params, seed: 3 } });
    const b = await loadDataset({ name: 'synthetic', synthetic: { ...params, seed: 3 } });
    const c = await loadDataset({ name: 'synthetic', synthetic: { ...params, seed: 4 } });
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(Array.from(a.test.fine)).toEqual(Array.from(b.test.fine));
    expect(Array.from(a.train.images)).not.toEqual(Array.from(c.train.images));
    // without synthetic.seed the spec seed drives it
    const d = await loadDataset({ name: 'synthetic', seed: 3, synthetic: params });
    expect(Array.from(d.train.images)).toEqual(Array.from(a.train.images));
  });

  it('has the requested sizes, a balanced shuffled order and consistent labels', async () => {
    const ds = await loadDataset({ name: 'synthetic', synthetic: params });
    expect(ds.shape).toEqual([16]);
    expect([ds.train.n, ds.test.n, ds.train.images.length]).toEqual([360, 120, 360 * 16]);
    expect(ds.train.images).toBeInstanceOf(Float32Array);
    expect(ds.fineNames.slice(0, 5)).toEqual(['c0.f0', 'c0.f1', 'c0.f2', 'c0.f3', 'c1.f0']);
    expect(ds.coarseNames).toEqual(['c0', 'c1', 'c2']);
    ds.train.fine.forEach((f, i) => expect(ds.train.coarse[i]).toBe(ds.fineToCoarse[f]));
    expect(Array.from(ds.train.fine.slice(0, 30))).not.toEqual(Array(30).fill(0));
  });

  it('puts every fine cluster inside its own coarse cluster', () => {
    const p = resolveSyntheticParams(params, 11);
    const data = generateSynthetic(p);
    const numFine = p.coarse * p.fine_per_coarse;
    for (let f = 0; f < numFine; f++) {
      const own = data.fineToCoarse[f];
      const d = Array.from({ length: p.coarse }, (_, k) => dist2(data.fineCentres, f, data.coarseCentres, k, p.dim));
      expect(d.indexOf(Math.min(...d))).toBe(own);
    }
    // and so do the samples: each fine class's empirical mean is nearest its coarse class's mean
    const fineMeans = classMeans(data.train.images as Float32Array, data.train.fine, numFine, p.dim);
    const coarseMeans = classMeans(data.train.images as Float32Array, data.train.coarse, p.coarse, p.dim);
    for (let f = 0; f < numFine; f++) {
      const d = Array.from({ length: p.coarse }, (_, k) => dist2(fineMeans, f, coarseMeans, k, p.dim));
      expect(d.indexOf(Math.min(...d))).toBe(data.fineToCoarse[f]);
    }
    // samples of a fine class spread by `noise` per coordinate: mean squared distance ≈ noise² · dim
    let s = 0;
    data.train.fine.forEach((f, i) => (s += dist2(data.train.images as Float32Array, i, data.fineCentres, f, p.dim)));
    expect(s / data.train.n / (p.noise ** 2 * p.dim)).toBeCloseTo(1, 1);
  });

  it('shapes samples as images when asked and applies subsets', async () => {
    const ds = await loadDataset({
      name: 'synthetic',
      subset: 24,
      test_subset: 12,
      synthetic: { ...params, dim: 36, image: true },
    });
    expect(ds.shape).toEqual([6, 6, 1]);
    expect([ds.train.n, ds.test.n]).toEqual([24, 12]);
    const counts = new Array(12).fill(0);
    ds.train.fine.forEach((f) => counts[f]++);
    expect(counts).toEqual(Array(12).fill(2));
  });

  it('rejects bad parameters naming the field', () => {
    expect(() => resolveSyntheticParams({ dim: 10, image: true }, 0)).toThrow(
      new UsageError('synthetic.dim must be a perfect square when synthetic.image is true (got 10)'),
    );
    expect(() => resolveSyntheticParams({ coarse: 0 }, 0)).toThrow('synthetic.coarse must be a positive integer');
    expect(() => resolveSyntheticParams({ noise: -1 }, 0)).toThrow('synthetic.noise must be a number >= 0');
    expect(resolveSyntheticParams({ dim: null as unknown as number }, 5).dim).toBe(32);
  });
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-synthetic-defaults-'));

/** Test accuracies of the linear and kNN probes after ce pretraining on the coarse labels. */
async function transfer(noise?: number): Promise<{ coarse: number; fine: number; fineKnn: number }> {
  const spec = resolveSpec(
    {
      name: `noise-${noise ?? 'default'}`,
      dataset: { name: 'synthetic', ...(noise === undefined ? {} : { synthetic: { noise } }) },
      model: { name: 'mlp' },
      method: { name: 'ce' },
      output: root,
      backend: 'wasm',
      // Tracked at the last epoch only, on whole splits: the probes of the final features.
      track: { every: 1000, subset: 100_000, probes: ['linear', 'knn'] },
    },
    'synthetic.yaml',
  );
  const run = await pretrain(spec);
  const rows = readCsv(path.join(run.runDir, RUN_FILES.trajectory)).filter((r) => r.split === 'test');
  const at = (level: string, probe = 'linear') => Number(rows.find((r) => r.level === level)![probe]);
  return { coarse: at('coarse'), fine: at('fine'), fineKnn: at('fine', 'knn') };
}

// Issue 22 item 9: at noise 1 every method reached 100% fine, so the synthetic data could not tell
// methods apart. The defaults must leave room below 100% at the fine level (measured on wasm: ce
// 97.8% linear, 95.2% kNN; 100% and 100% at noise 1).
describe('the synthetic dataset at its defaults', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('is learnt at the coarse level but leaves the fine level unsaturated, unlike noise 1', async () => {
    const easy = await transfer(1);
    const defaults = await transfer();
    expect([easy.fine, easy.fineKnn]).toEqual([1, 1]);
    expect(defaults.coarse).toBe(1);
    expect(defaults.fine).toBeLessThan(0.99);
    expect(defaults.fineKnn).toBeLessThan(0.98);
  }, 300_000);
});
