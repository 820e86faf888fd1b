import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { RunError } from '../errors.js';
import { checkLabelRange, type RawImageDataset } from './raw-split.js';

/*
 * cone's compact cache of a decoded image dataset (little-endian):
 *   0  8 bytes  magic "CONEDSET"
 *   8  uint32   format version (1)
 *  12  uint32   height      16 uint32 width      20 uint32 channels
 *  24  uint32   number of classes
 *  28  uint32   n_train     32 uint32 n_test
 *  36  train images (n_train*h*w*c bytes, HWC), train labels (n_train bytes),
 *      test images (n_test*h*w*c bytes), test labels (n_test bytes)
 * The file ends exactly there.
 */
export const SPLIT_CACHE_MAGIC = 'CONEDSET';
export const SPLIT_CACHE_VERSION = 1;
const OFF_VERSION = 8;
const OFF_HEIGHT = 12;
const OFF_WIDTH = 16;
const OFF_CHANNELS = 20;
const OFF_CLASSES = 24;
const OFF_N_TRAIN = 28;
const OFF_N_TEST = 32;
const HEADER_BYTES = 36;
const MAX_CLASSES = 256; // labels are stored as single bytes

export interface CachedSplit {
  images: Uint8Array;
  labels: Int32Array;
}

export interface SplitCacheContents {
  shape: [number, number, number];
  numClasses: number;
  train: CachedSplit;
  test: CachedSplit;
}

/** Writes the cache under a temporary name and renames it, so a reader never sees half a file. */
export function writeSplitCache(file: string, c: SplitCacheContents): void {
  if (c.numClasses > MAX_CLASSES) throw new RangeError(`split cache holds at most ${MAX_CLASSES} classes`);
  const [h, w, ch] = c.shape;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(SPLIT_CACHE_MAGIC, 0, 'ascii');
  header.writeUInt32LE(SPLIT_CACHE_VERSION, OFF_VERSION);
  header.writeUInt32LE(h, OFF_HEIGHT);
  header.writeUInt32LE(w, OFF_WIDTH);
  header.writeUInt32LE(ch, OFF_CHANNELS);
  header.writeUInt32LE(c.numClasses, OFF_CLASSES);
  header.writeUInt32LE(c.train.labels.length, OFF_N_TRAIN);
  header.writeUInt32LE(c.test.labels.length, OFF_N_TEST);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header);
    for (const split of [c.train, c.test]) {
      if (split.images.length !== split.labels.length * h * w * ch)
        throw new RangeError('split cache: image bytes do not match label count');
      writeSync(fd, split.images);
      writeSync(fd, Uint8Array.from(split.labels));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** Reads a cache written by writeSplitCache, checking magic, version, size and label range. */
export function readSplitCache(file: string): RawImageDataset & { numClasses: number } {
  const buf = readFileSync(file);
  if (buf.length < HEADER_BYTES)
    throw new RunError(`${file}: truncated cache header (${buf.length} bytes, need ${HEADER_BYTES})`);
  const magic = buf.toString('ascii', 0, SPLIT_CACHE_MAGIC.length);
  if (magic !== SPLIT_CACHE_MAGIC)
    throw new RunError(
      `${file}: not a cone dataset cache (magic ${JSON.stringify(magic)}, expected "${SPLIT_CACHE_MAGIC}")`,
    );
  const version = buf.readUInt32LE(OFF_VERSION);
  if (version !== SPLIT_CACHE_VERSION) {
    throw new RunError(
      `${file}: cache format version ${version}, this cone reads version ${SPLIT_CACHE_VERSION}; delete it and fetch again`,
    );
  }
  const shape: [number, number, number] = [
    buf.readUInt32LE(OFF_HEIGHT),
    buf.readUInt32LE(OFF_WIDTH),
    buf.readUInt32LE(OFF_CHANNELS),
  ];
  const numClasses = buf.readUInt32LE(OFF_CLASSES);
  const nTrain = buf.readUInt32LE(OFF_N_TRAIN);
  const nTest = buf.readUInt32LE(OFF_N_TEST);
  const sampleBytes = shape[0] * shape[1] * shape[2];
  const expected = HEADER_BYTES + (nTrain + nTest) * (sampleBytes + 1);
  if (buf.length !== expected) {
    throw new RunError(
      `${file}: ${buf.length} bytes, but its header (${nTrain}+${nTest} images of ${shape.join('x')}) needs ${expected}; delete it and fetch again`,
    );
  }
  let offset = buf.byteOffset + HEADER_BYTES;
  const take = (bytes: number) => {
    const view = new Uint8Array(buf.buffer, offset, bytes);
    offset += bytes;
    return view;
  };
  const split = (n: number) => {
    const images = take(n * sampleBytes);
    const fine = Int32Array.from(take(n));
    checkLabelRange(file, fine, numClasses);
    return { images, fine, n, labelFile: file };
  };
  const train = split(nTrain);
  const test = split(nTest);
  return { shape, numClasses, train, test };
}
