import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { takeSplit } from './subset.js';
import type { Split } from './types.js';

/** Indices of a split into the images kept for training and those held out for validation, each sorted. */
export interface ValidationIndices {
  train: Int32Array;
  validation: Int32Array;
}

/**
 * A seeded validation split held out of training images, stratified by fine class (so also by
 * coarse class): each class holds out round(fraction · its size) images, never all of them, so a
 * class of one image stays whole in training.
 */
export function validationIndices(fine: Int32Array, fraction: number, seed: number): ValidationIndices {
  if (!(fraction > 0 && fraction < 1))
    throw new UsageError(`dataset.validation must be a fraction between 0 and 1 (got ${fraction})`);
  const rng = new Rng(`${seed}:validation`);
  const byClass = new Map<number, number[]>();
  fine.forEach((y, i) => {
    const members = byClass.get(y);
    if (members) members.push(i);
    else byClass.set(y, [i]);
  });
  const held: number[] = [];
  for (const y of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(y)!;
    const take = Math.min(Math.round(fraction * members.length), members.length - 1);
    // Partial Fisher–Yates: the first `take` slots end up a uniform random subset.
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(members.length - i);
      [members[i], members[j]] = [members[j], members[i]];
      held.push(members[i]);
    }
  }
  if (!held.length)
    throw new UsageError(
      `dataset.validation ${fraction} of ${fine.length} training images holds out none; give a larger fraction or more images`,
    );
  const validation = Int32Array.from(held).sort();
  const isHeld = new Uint8Array(fine.length);
  for (const i of validation) isHeld[i] = 1;
  const train = Int32Array.from(fine.keys()).filter((i) => !isHeld[i]);
  return { train, validation };
}

/** The training split cut in two: what is trained on, and the held-out validation images. */
export function holdOutValidation(
  split: Split,
  fraction: number,
  seed: number,
): { train: Split; validation: Split; indices: ValidationIndices } {
  const indices = validationIndices(split.fine, fraction, seed);
  return { train: takeSplit(split, indices.train), validation: takeSplit(split, indices.validation), indices };
}
