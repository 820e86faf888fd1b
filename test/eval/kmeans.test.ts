import { describe, expect, it } from 'vitest';
import { kmeans } from '../../src/eval/kmeans.js';
import { kmeansProbe } from '../../src/eval/probes/kmeans.js';
import { Rng } from '../../src/util/rng.js';
import type { FeatureMatrix } from '../../src/eval/features.js';

/**
 * Two coarse classes of three fine classes each. Fine class f sits at `spread`·e_f (+ a coarse offset),
 * with unit noise; fine labels are numbered so they do not coincide with cluster numbering.
 */
function hierarchical(
  perFine: number,
  spread: number,
  rng: Rng,
): { x: FeatureMatrix; fine: Int32Array; coarse: Int32Array } {
  const d = 8;
  const fineIds = [5, 2, 9, 0, 7, 3];
  const n = perFine * fineIds.length;
  const data = new Float32Array(n * d);
  const fine = new Int32Array(n);
  const coarse = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const f = i % fineIds.length;
    fine[i] = fineIds[f];
    coarse[i] = f < 3 ? 1 : 0;
    for (let j = 0; j < d; j++)
      data[i * d + j] = rng.normal() + (j === f ? spread : 0) + (j === 7 ? (coarse[i] ? 3 : -3) : 0);
  }
  return { x: { data, n, d }, fine, coarse };
}

describe('kmeans', () => {
  it('recovers clearly separated clusters exactly, and the same seed gives the same clustering', () => {
    const { x, fine } = hierarchical(30, 12, new Rng('kmeans-sep'));
    const a = kmeans(x, 6, new Rng(1), { restarts: 2, maxIter: 100 });
    // Every fine class lands in one cluster of its own.
    const clusterOf = new Map<number, number>();
    fine.forEach((f, i) => {
      if (!clusterOf.has(f)) clusterOf.set(f, a.assignment[i]);
      expect(a.assignment[i]).toBe(clusterOf.get(f));
    });
    expect(new Set(clusterOf.values()).size).toBe(6);
    const b = kmeans(x, 6, new Rng(1), { restarts: 2, maxIter: 100 });
    expect(Array.from(b.assignment)).toEqual(Array.from(a.assignment));
  });
});

describe('kmeansProbe', () => {
  it('scores 1 on clearly separated fine clusters inside each coarse class (Hungarian matching)', async () => {
    const { x, fine, coarse } = hierarchical(20, 12, new Rng('kmeans-probe-sep'));
    const r = await kmeansProbe(x, fine, coarse, { seed: 3 });
    expect(r.probe).toBe('kmeans');
    expect(r.accuracy).toBe(1);
    expect(r.settings).toMatchObject({ features: 'l2', seed: 3, matching: 'hungarian' });
  });

  it('is near chance (1/3 per coarse class) when fine labels are shuffled within each coarse class', async () => {
    const rng = new Rng('kmeans-probe-shuffled');
    const { x, fine, coarse } = hierarchical(100, 12, rng);
    for (const c of [0, 1]) {
      const idx = Array.from(coarse.keys()).filter((i) => coarse[i] === c);
      const labels = rng.shuffle(idx.map((i) => fine[i]));
      idx.forEach((i, r) => (fine[i] = labels[r] as number));
    }
    // The best matching of 3 clusters to shuffled labels is a little above 1/3 by selection;
    // with 100 samples per cluster it stays within 0.1 of it.
    const acc = (await kmeansProbe(x, fine, coarse, { seed: 3 })).accuracy;
    expect(acc).toBeGreaterThan(1 / 3 - 0.02);
    expect(acc).toBeLessThan(1 / 3 + 0.1);
  });

  it('is reproducible from the seed', async () => {
    const { x, fine, coarse } = hierarchical(15, 2, new Rng('kmeans-probe-overlap'));
    const a = await kmeansProbe(x, fine, coarse, { seed: 11, restarts: 1 });
    expect((await kmeansProbe(x, fine, coarse, { seed: 11, restarts: 1 })).accuracy).toBe(a.accuracy);
    expect(a.accuracy).toBeLessThan(1); // overlapping clusters: the test has something to reproduce
  });
});
