import type { Rng } from '../util/rng.js';
import { nearestCentres } from './centres.js';
import type { FeatureMatrix } from './features.js';

export interface KmeansOptions {
  restarts: number;
  maxIter: number;
}

export interface Clustering {
  assignment: Int32Array;
  /** k×d row-major. */
  centres: Float64Array;
  /** Sum of squared distances to the assigned centres. */
  inertia: number;
}

/**
 * Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii 2007), in float64, with every random
 * choice drawn from the caller's Rng, so a seed fixes the clustering. The best of `restarts` runs
 * (lowest inertia) is returned. A cluster that empties is re-seeded with the point farthest from its
 * centre, which keeps k clusters without a random draw.
 */
export function kmeans(x: FeatureMatrix, k: number, rng: Rng, opts: KmeansOptions): Clustering {
  if (!Number.isInteger(k) || k < 1 || k > x.n) throw new Error(`kmeans: k must be in [1, ${x.n}] (got ${k})`);
  let best: Clustering | undefined;
  for (let r = 0; r < opts.restarts; r++) {
    const run = lloyd(x, seedCentres(x, k, rng), k, opts.maxIter);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best!;
}

/** k-means++: the first centre uniformly, each next one with probability ∝ squared distance to the nearest chosen. */
function seedCentres(x: FeatureMatrix, k: number, rng: Rng): Float64Array {
  const { data, n, d } = x;
  const centres = new Float64Array(k * d);
  const minSq = new Float64Array(n).fill(Infinity);
  let pick = rng.int(n);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) centres[c * d + j] = data[pick * d + j];
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j] - centres[c * d + j]) ** 2;
      if (s < minSq[i]) minSq[i] = s;
      total += minSq[i];
    }
    if (total === 0) {
      pick = rng.int(n); // every point sits on a centre already
      continue;
    }
    let target = rng.next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= minSq[i];
      if (target < 0) {
        pick = i;
        break;
      }
    }
  }
  return centres;
}

function lloyd(x: FeatureMatrix, centres: Float64Array, k: number, maxIter: number): Clustering {
  const { data, n, d } = x;
  let { index: assignment, sqDist } = nearestCentres(x, centres, k);
  for (let iter = 0; iter < maxIter; iter++) {
    const counts = new Int32Array(k);
    centres.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i];
      counts[c]++;
      for (let j = 0; j < d; j++) centres[c * d + j] += data[i * d + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        let far = 0;
        for (let i = 1; i < n; i++) if (sqDist[i] > sqDist[far]) far = i;
        sqDist[far] = 0; // so a second empty cluster takes a different point
        for (let j = 0; j < d; j++) centres[c * d + j] = data[far * d + j];
      } else {
        for (let j = 0; j < d; j++) centres[c * d + j] /= counts[c];
      }
    }
    const next = nearestCentres(x, centres, k);
    const changed = next.index.some((c, i) => c !== assignment[i]);
    assignment = next.index;
    sqDist = next.sqDist;
    if (!changed) break;
  }
  return { assignment, centres, inertia: sqDist.reduce((s, v) => s + v, 0) };
}
