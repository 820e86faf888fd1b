import { UsageError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import type { Split } from './types.js';

/** Values per sample of a split (h*w*c, or dim). */
export function valuesPerSample(split: Split): number {
  return split.n === 0 ? 0 : split.images.length / split.n;
}

/**
 * Sorted indices of a seeded subset of `size` samples with the classes as equal in size as the
 * data allows: small classes are taken whole and the rest is shared among the larger ones.
 */
export function balancedSubset(labels: Int32Array, size: number, rng: Rng): Int32Array {
  if (!Number.isInteger(size) || size < 1 || size > labels.length) {
    throw new UsageError(`a subset of ${size} samples cannot be taken from ${labels.length}`);
  }
  const byClass = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const members = byClass.get(y);
    if (members) members.push(i);
    else byClass.set(y, [i]);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quota = new Map<number, number>();
  let remaining = size;
  // Water-filling from the smallest class up, so a class too small for its share is taken whole.
  const bySize = [...classes].sort((a, b) => byClass.get(a)!.length - byClass.get(b)!.length || a - b);
  bySize.forEach((y, i) => {
    const take = Math.min(byClass.get(y)!.length, Math.floor(remaining / (bySize.length - i)));
    quota.set(y, take);
    remaining -= take;
  });
  // The rounding remainder goes one each to randomly chosen classes that still have samples.
  while (remaining > 0) {
    for (const y of rng.shuffle([...classes]) as number[]) {
      if (remaining > 0 && quota.get(y)! < byClass.get(y)!.length) {
        quota.set(y, quota.get(y)! + 1);
        remaining--;
      }
    }
  }
  const chosen: number[] = [];
  for (const y of classes) {
    const members = byClass.get(y)!;
    const q = quota.get(y)!;
    // Partial Fisher–Yates: the first q slots end up a uniform random q-subset.
    for (let i = 0; i < q; i++) {
      const j = i + rng.int(members.length - i);
      [members[i], members[j]] = [members[j], members[i]];
      chosen.push(members[i]);
    }
  }
  return Int32Array.from(chosen).sort();
}

/** A new split holding copies of the samples at idx, in idx order. */
export function takeSplit(split: Split, idx: Int32Array): Split {
  const size = valuesPerSample(split);
  const images =
    split.images instanceof Uint8Array ? new Uint8Array(idx.length * size) : new Float32Array(idx.length * size);
  const fine = new Int32Array(idx.length);
  const coarse = new Int32Array(idx.length);
  idx.forEach((i, k) => {
    images.set(split.images.subarray(i * size, (i + 1) * size), k * size);
    fine[k] = split.fine[i];
    coarse[k] = split.coarse[i];
  });
  return { images, fine, coarse, n: idx.length };
}
