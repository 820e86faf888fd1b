import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import { readIdxUbyte } from './idx.js';
import type { RawImageDataset, RawSplit } from './raw-split.js';

/** The four files of an MNIST-layout directory (MNIST, Fashion-MNIST), each plain or .gz. */
const IDX_SPLIT_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

function findIdxFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/** The first of the four files that is missing from `dir`, or null when all are there. */
export function missingIdxFile(dir: string): string | null {
  for (const split of Object.values(IDX_SPLIT_FILES)) {
    for (const base of [split.images, split.labels]) {
      if (!findIdxFile(dir, base)) return join(dir, `${base}[.gz]`);
    }
  }
  return null;
}

function readIdxSplit(dir: string, files: { images: string; labels: string }, hw: [number, number]): RawSplit {
  const imageFile = findIdxFile(dir, files.images);
  const labelFile = findIdxFile(dir, files.labels);
  if (!imageFile || !labelFile) throw new RunError(`${dir}: missing ${imageFile ? files.labels : files.images}[.gz]`);
  const images = readIdxUbyte(imageFile, 3);
  const labels = readIdxUbyte(labelFile, 1);
  const [n, h, w] = images.dims;
  if (h !== hw[0] || w !== hw[1]) throw new RunError(`${imageFile}: images are ${h}x${w}, expected ${hw[0]}x${hw[1]}`);
  if (labels.dims[0] !== n)
    throw new RunError(`${labelFile}: ${labels.dims[0]} labels for the ${n} images of ${imageFile}`);
  return { images: images.data, fine: Int32Array.from(labels.data), n, labelFile };
}

/** Reads an MNIST-layout directory of single-channel images of size hw. */
export function readIdxDataset(dir: string, hw: [number, number]): RawImageDataset {
  return {
    shape: [hw[0], hw[1], 1],
    train: readIdxSplit(dir, IDX_SPLIT_FILES.train, hw),
    test: readIdxSplit(dir, IDX_SPLIT_FILES.test, hw),
  };
}
