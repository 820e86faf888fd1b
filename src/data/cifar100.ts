import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import { checkLabelRange, type RawImageDataset, type RawSplit } from './rawSplit.js';

/*
 * The CIFAR-100 binary version (cifar-100-binary.tar.gz): train.bin and test.bin, each a run of
 * records of 1 coarse-label byte, 1 fine-label byte and 3072 pixel bytes in CHW order (1024 red,
 * then 1024 green, then 1024 blue, each row-major). The python pickle version is not read:
 * decoding numpy arrays from pickles would mean writing a pickle interpreter.
 */
const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const COARSE_OFFSET = 0;
const FINE_OFFSET = 1;
const PIXELS_OFFSET = 2;
const RECORD_BYTES = PIXELS_OFFSET + CHANNELS * PLANE;
const NUM_COARSE = 20;
const NUM_FINE = 100;
const SPLIT_FILES = { train: 'train.bin', test: 'test.bin' } as const;
/** The folder name inside the official tarball, accepted when the path points at its parent. */
const TARBALL_FOLDER = 'cifar-100-binary';

/** The directory under `path` that holds train.bin and test.bin, or null. */
export function findCifar100Dir(path: string): string | null {
  for (const dir of [path, join(path, TARBALL_FOLDER)]) {
    if (existsSync(join(dir, SPLIT_FILES.train)) && existsSync(join(dir, SPLIT_FILES.test))) return dir;
  }
  return null;
}

/** Why `path` holds no readable CIFAR-100, in one line. */
export function cifar100Missing(path: string): string {
  const pickleDir = [path, join(path, 'cifar-100-python')].find((d) => existsSync(join(d, 'train')) && existsSync(join(d, 'meta')));
  if (pickleDir) {
    return `${pickleDir} holds the python pickle version of CIFAR-100; cone reads the binary version (cifar-100-binary.tar.gz: train.bin, test.bin)`;
  }
  return `${path} holds no CIFAR-100 train.bin and test.bin (the binary version, cifar-100-binary.tar.gz); give its folder as the dataset path`;
}

function readSplit(file: string): RawSplit {
  const buf = readFileSync(file);
  if (buf.length === 0 || buf.length % RECORD_BYTES !== 0) {
    throw new RunError(`${file}: ${buf.length} bytes is not a whole number of ${RECORD_BYTES}-byte CIFAR-100 records`);
  }
  const n = buf.length / RECORD_BYTES;
  const fine = new Int32Array(n);
  const nativeCoarse = new Int32Array(n);
  const images = new Uint8Array(n * CHANNELS * PLANE);
  for (let i = 0; i < n; i++) {
    const rec = i * RECORD_BYTES;
    nativeCoarse[i] = buf[rec + COARSE_OFFSET];
    fine[i] = buf[rec + FINE_OFFSET];
    const px = rec + PIXELS_OFFSET;
    let out = i * CHANNELS * PLANE;
    // CHW -> HWC: pixel p's channels are one plane apart in the record.
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < CHANNELS; c++) images[out++] = buf[px + c * PLANE + p];
    }
  }
  checkLabelRange(file, nativeCoarse, NUM_COARSE, 'coarse label');
  checkLabelRange(file, fine, NUM_FINE, 'fine label');
  return { images, fine, n, labelFile: file, nativeCoarse };
}

export function readCifar100Dir(dir: string): RawImageDataset {
  return {
    shape: [SIDE, SIDE, CHANNELS],
    train: readSplit(join(dir, SPLIT_FILES.train)),
    test: readSplit(join(dir, SPLIT_FILES.test)),
  };
}
