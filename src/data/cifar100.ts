import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../errors.js';
import { readPickledSplit } from './cifar100-pickle.js';
import { checkLabelRange, type RawImageDataset, type RawSplit } from './raw-split.js';

/*
 * CIFAR-100 in either of its standard versions, both storing each image as 3072 bytes in CHW
 * order (1024 red, then 1024 green, then 1024 blue, each row-major):
 * - binary (cifar-100-binary.tar.gz): train.bin and test.bin, each a run of records of 1
 *   coarse-label byte, 1 fine-label byte and the 3072 pixel bytes;
 * - python (cifar-100-python.tar.gz): train and test, pickled dicts read by cifar100-pickle.ts.
 * Both load to the same HWC images and labels.
 */
const SIDE = 32;
const CHANNELS = 3;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = CHANNELS * PLANE;
const COARSE_OFFSET = 0;
const FINE_OFFSET = 1;
const PIXELS_OFFSET = 2;
const RECORD_BYTES = PIXELS_OFFSET + IMAGE_BYTES;
const NUM_COARSE = 20;
const NUM_FINE = 100;

interface Cifar100Version {
  name: 'binary' | 'python';
  tarball: string;
  /** The folder name inside the tarball, accepted when the path points at its parent. */
  folder: string;
  files: { train: string; test: string };
  readSplit(file: string): RawSplit;
}

/** Where a readable CIFAR-100 is: its folder and which version that folder holds. */
export interface Cifar100Location {
  dir: string;
  version: Cifar100Version;
}

/** CHW image bytes at src[from..] as HWC at dst[to..]: a pixel's channels are one plane apart in CHW. */
function copyChwAsHwc(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let p = 0; p < PLANE; p++) {
    for (let c = 0; c < CHANNELS; c++) dst[to++] = src[from + c * PLANE + p];
  }
}

function checkLabels(file: string, nativeCoarse: Int32Array, fine: Int32Array): void {
  checkLabelRange(file, nativeCoarse, NUM_COARSE, 'coarse label');
  checkLabelRange(file, fine, NUM_FINE, 'fine label');
}

function readBinarySplit(file: string): RawSplit {
  const buf = readFileSync(file);
  if (buf.length === 0 || buf.length % RECORD_BYTES !== 0) {
    throw new RunError(`${file}: ${buf.length} bytes is not a whole number of ${RECORD_BYTES}-byte CIFAR-100 records`);
  }
  const n = buf.length / RECORD_BYTES;
  const fine = new Int32Array(n);
  const nativeCoarse = new Int32Array(n);
  const images = new Uint8Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = i * RECORD_BYTES;
    nativeCoarse[i] = buf[rec + COARSE_OFFSET];
    fine[i] = buf[rec + FINE_OFFSET];
    copyChwAsHwc(buf, rec + PIXELS_OFFSET, images, i * IMAGE_BYTES);
  }
  checkLabels(file, nativeCoarse, fine);
  return { images, fine, n, labelFile: file, nativeCoarse };
}

function readPythonSplit(file: string): RawSplit {
  const { n, rows, fine, coarse } = readPickledSplit(file, IMAGE_BYTES);
  const images = new Uint8Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) copyChwAsHwc(rows, i * IMAGE_BYTES, images, i * IMAGE_BYTES);
  checkLabels(file, coarse, fine);
  return { images, fine, n, labelFile: file, nativeCoarse: coarse };
}

/** In order of preference: the binary version is read when a folder holds both. */
const VERSIONS: Cifar100Version[] = [
  {
    name: 'binary',
    tarball: 'cifar-100-binary.tar.gz',
    folder: 'cifar-100-binary',
    files: { train: 'train.bin', test: 'test.bin' },
    readSplit: readBinarySplit,
  },
  {
    name: 'python',
    tarball: 'cifar-100-python.tar.gz',
    folder: 'cifar-100-python',
    files: { train: 'train', test: 'test' },
    readSplit: readPythonSplit,
  },
];

function candidates(path: string): Cifar100Location[] {
  return VERSIONS.flatMap((version) => [path, join(path, version.folder)].map((dir) => ({ dir, version })));
}

const splitFiles = ({ dir, version }: Cifar100Location) => [
  join(dir, version.files.train),
  join(dir, version.files.test),
];

/** The folder under `path` that holds both splits of either version (binary first), or null. */
export function findCifar100Dir(path: string): Cifar100Location | null {
  return candidates(path).find((loc) => splitFiles(loc).every((f) => existsSync(f))) ?? null;
}

/** Why `path` holds no readable CIFAR-100, in one line. */
export function cifar100Missing(path: string): string {
  for (const loc of candidates(path)) {
    const files = splitFiles(loc);
    const absent = files.filter((f) => !existsSync(f));
    if (absent.length < files.length) {
      const { name, tarball, files: names } = loc.version;
      return `${absent[0]} not found; the CIFAR-100 ${name} version (${tarball}) needs ${names.train} and ${names.test} in ${loc.dir}`;
    }
  }
  return `${path} holds no CIFAR-100 train.bin and test.bin (the binary version, cifar-100-binary.tar.gz) nor train and test (the python version, cifar-100-python.tar.gz); give its folder as the dataset path`;
}

export function readCifar100Dir({ dir, version }: Cifar100Location): RawImageDataset {
  return {
    shape: [SIDE, SIDE, CHANNELS],
    train: version.readSplit(join(dir, version.files.train)),
    test: version.readSplit(join(dir, version.files.test)),
  };
}
