import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';

export const LONGTAIL_PROFILES = ['exp', 'step'] as const;
export type LongtailProfile = (typeof LONGTAIL_PROFILES)[number];

export interface LongtailOptions {
  /** ρ = n_max / n_min, at least 1. */
  imbalance: number;
  profile: LongtailProfile;
  seed: number;
  /** Which classes are the head: by class index (false) or by a seeded permutation of the classes (true). */
  permuteClasses?: boolean;
  /** Class names, only for error messages. */
  classNames?: readonly string[];
}

/** A long-tailed training split: which samples it keeps and how many of each class. */
export interface LongtailSplit {
  profile: LongtailProfile;
  imbalance: number;
  seed: number;
  permuteClasses: boolean;
  /** Images per class of the source split's smallest class: the head class keeps this many. */
  nMax: number;
  /** classOrder[r] is the class at rank r of the profile (rank 0 keeps n_max). */
  classOrder: number[];
  /** Training images kept, by class index. */
  counts: number[];
  /** Kept sample indices into the source split, ascending. */
  indices: Int32Array;
}

// A count such as 5000·100^(−1) = 50 may come out of pow() a hair below the integer; floor must not lose it.
const FLOOR_SLACK = 1e-9;

/**
 * Images per rank of a long-tail profile (the LDAM construction, Cao et al. 2019): `exp` keeps
 * floor(n_max · ρ^(−r/(C−1))) at rank r; `step` keeps n_max for the first floor(C/2) ranks and
 * floor(n_max/ρ) for the rest.
 */
export function longtailCounts(
  nMax: number,
  numClasses: number,
  imbalance: number,
  profile: LongtailProfile,
): number[] {
  checkImbalance(imbalance);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new UsageError(`a long-tailed split needs at least 2 classes (got ${numClasses})`);
  if (!Number.isInteger(nMax) || nMax < 1)
    throw new UsageError(`a long-tailed split needs at least 1 image per class (got ${nMax})`);
  const ranks = [...Array(numClasses).keys()];
  if (profile === 'step') {
    const head = Math.floor(numClasses / 2);
    return ranks.map((r) => (r < head ? nMax : Math.floor(nMax / imbalance + FLOOR_SLACK)));
  }
  return ranks.map((r) => Math.floor(nMax * Math.pow(imbalance, -r / (numClasses - 1)) + FLOOR_SLACK));
}

function checkImbalance(imbalance: number): void {
  if (!Number.isFinite(imbalance) || imbalance < 1) {
    throw new UsageError(`longtail.imbalance must be a number of at least 1 (ρ = n_max/n_min; got ${imbalance})`);
  }
}

/**
 * The long-tailed subset of a balanced training split (labels at the training level): class at rank
 * r keeps longtailCounts(...)[r] of its images, chosen by a seeded shuffle within the class. n_max is
 * the size of the smallest class, so that every class can supply its quota and the profile is exact
 * on sets that are only nearly balanced (MNIST's classes have 5421 to 6742 images).
 */
export function longtailSplit(labels: Int32Array, numClasses: number, opts: LongtailOptions): LongtailSplit {
  checkImbalance(opts.imbalance);
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((y, i) => {
    if (!(y >= 0 && y < numClasses)) throw new RangeError(`label ${y} at sample ${i} is outside 0..${numClasses - 1}`);
    members[y].push(i);
  });
  const nMax = Math.min(...members.map((m) => m.length));
  const className = (c: number) =>
    opts.classNames?.[c] !== undefined ? `class ${c} ('${opts.classNames[c]}')` : `class ${c}`;
  if (nMax === 0) {
    throw new UsageError(
      `the training split has no images of ${className(members.findIndex((m) => m.length === 0))}, so it cannot be made long-tailed`,
    );
  }
  const permuteClasses = Boolean(opts.permuteClasses);
  const classOrder = permuteClasses
    ? [...new Rng(`${opts.seed}:longtail-classes`).permutation(numClasses)]
    : [...Array(numClasses).keys()];
  const byRank = longtailCounts(nMax, numClasses, opts.imbalance, opts.profile);
  const counts = new Array<number>(numClasses);
  classOrder.forEach((c, r) => (counts[c] = byRank[r]));
  const empty = classOrder.find((c) => counts[c] === 0);
  if (empty !== undefined) {
    throw new UsageError(
      `longtail.imbalance ${opts.imbalance} leaves ${className(empty)} with 0 training images (n_max ${nMax}); use an imbalance of at most ${nMax}`,
    );
  }
  // One stream for every class, consumed in class order, so the choice does not depend on classOrder.
  const rng = new Rng(`${opts.seed}:longtail`);
  const kept: number[] = [];
  for (let c = 0; c < numClasses; c++) kept.push(...(rng.shuffle(members[c]) as number[]).slice(0, counts[c]));
  return {
    profile: opts.profile,
    imbalance: opts.imbalance,
    seed: opts.seed,
    permuteClasses,
    nMax,
    classOrder,
    counts,
    indices: Int32Array.from(kept).sort(),
  };
}

/** split.json (docs/design.md §6): profile, imbalance, seed, counts by class index, plus how they came about. */
export function splitRecord(split: LongtailSplit): Record<string, unknown> {
  return {
    profile: split.profile,
    imbalance: split.imbalance,
    seed: split.seed,
    counts: split.counts,
    n_max: split.nMax,
    n_train: split.indices.length,
    permute_classes: split.permuteClasses,
    class_order: split.classOrder,
  };
}
