import munkres from 'munkres';
import { RunError } from '../../errors.js';
import { interruptionPoint } from '../../util/interruption.js';
import { Rng } from '../../util/rng.js';
import { checkFeatures, featureVariant, l2NormaliseRows, type FeatureMatrix } from '../features.js';
import { kmeans } from '../kmeans.js';
import type { ProbeResult } from './probe-result.js';

export interface KmeansProbeOptions {
  seed: number | string;
  normalise?: boolean;
  /** k-means++ restarts per coarse class; the lowest-inertia run is kept (default 4). */
  restarts?: number;
  /** Lloyd iterations cap (default 100). */
  maxIter?: number;
  /** Stops the probe between coarse classes (InterruptedError). */
  signal?: AbortSignal;
}

/**
 * Unsupervised fine-structure probe: within each coarse class, k-means with k = the number of
 * distinct fine labels among its samples; the clusters are matched one-to-one to those fine labels
 * by the Hungarian algorithm (package `munkres`) so as to maximise the samples whose cluster maps to
 * their own fine label. Accuracy = matched samples / all samples. This asks whether the fine classes
 * are still separable *without* labels inside features trained only on coarse ones.
 *
 * Seeded: the same seed gives the same clusters. By default on L2-normalised features.
 */
export async function kmeansProbe(
  features: FeatureMatrix,
  fine: Int32Array,
  coarse: Int32Array,
  opts: KmeansProbeOptions,
): Promise<ProbeResult> {
  const normalise = opts.normalise ?? true;
  const restarts = opts.restarts ?? 4;
  const maxIter = opts.maxIter ?? 100;
  checkFeatures(features, 'k-means probe');
  const { n, d } = features;
  if (fine.length !== n || coarse.length !== n)
    throw new RunError(`k-means probe: ${fine.length} fine and ${coarse.length} coarse labels for ${n} feature rows`);
  if (fine.some((v) => v < 0) || coarse.some((v) => v < 0))
    throw new RunError('k-means probe: labels must be non-negative');
  const x = normalise ? l2NormaliseRows(features) : features;
  const rng = new Rng(`${opts.seed}/kmeans-probe`);

  let matched = 0;
  for (const c of distinct(coarse)) {
    await interruptionPoint(opts.signal);
    const rows = [];
    for (let i = 0; i < n; i++) if (coarse[i] === c) rows.push(i);
    const fineIds = distinct(Int32Array.from(rows, (i) => fine[i]));
    const subset = new Float32Array(rows.length * d);
    rows.forEach((i, r) => subset.set(x.data.subarray(i * d, (i + 1) * d), r * d));
    const k = Math.min(fineIds.length, rows.length);
    const { assignment } = kmeans({ data: subset, n: rows.length, d }, k, rng, { restarts, maxIter });
    // overlap[cluster][fine] = samples of that fine label in that cluster.
    const column = new Map(fineIds.map((f, j) => [f, j]));
    const overlap = Array.from({ length: k }, () => new Array<number>(fineIds.length).fill(0));
    rows.forEach((i, r) => overlap[assignment[r]][column.get(fine[i])!]++);
    // munkres minimises cost; the negated overlap makes it maximise matched samples.
    for (const [cluster, f] of munkres(overlap.map((r) => r.map((v) => -v)))) matched += overlap[cluster][f];
  }
  return {
    probe: 'kmeans',
    accuracy: matched / n,
    settings: {
      features: featureVariant(normalise),
      seed: opts.seed,
      restarts,
      max_iter: maxIter,
      matching: 'hungarian',
    },
  };
}

function distinct(values: Int32Array): number[] {
  return Array.from(new Set(values)).sort((a, b) => a - b);
}
