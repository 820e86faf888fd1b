import { RunError } from '../errors.js';

/** A split as a loader reads it, before a hierarchy gives it coarse labels. */
export interface RawSplit {
  images: Uint8Array;
  fine: Int32Array;
  n: number;
  /** The file the labels came from, for error messages. */
  labelFile: string;
  /** Coarse labels stored in the data itself (CIFAR-100), checked against the hierarchy. */
  nativeCoarse?: Int32Array;
}

export interface RawImageDataset {
  shape: [number, number, number];
  train: RawSplit;
  test: RawSplit;
}

/** Fails with one line naming the file when a label is outside [0, numClasses). */
export function checkLabelRange(
  file: string,
  labels: ArrayLike<number>,
  numClasses: number,
  what = 'label',
  why = '',
): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses)) {
      throw new RunError(`${file}: ${what} ${y} at record ${i} is outside 0..${numClasses - 1}${why && ` (${why})`}`);
    }
  }
}
