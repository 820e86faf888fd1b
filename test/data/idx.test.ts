import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readIdxUbyte } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/registry.js';
import { expectOneLineRunError, idxBytes, pixel, tempDir, writeIdxDir } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

describe('readIdxUbyte', () => {
  it('reads plain and gzipped files to the same dims and bytes', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    writeFileSync(join(tmp.dir, 'a'), idxBytes([2, 3, 4], data));
    writeFileSync(join(tmp.dir, 'a.gz'), gzipSync(idxBytes([2, 3, 4], data)));
    for (const name of ['a', 'a.gz']) {
      const idx = readIdxUbyte(join(tmp.dir, name), 3);
      expect(idx.dims).toEqual([2, 3, 4]);
      expect(Array.from(idx.data)).toEqual(Array.from(data));
    }
  });

  it('rejects a bad magic, naming the file and the expected magic', async () => {
    const file = join(tmp.dir, 'labels');
    const bytes = idxBytes([3], Uint8Array.of(1, 2, 3));
    bytes[2] = 0x0d; // float type instead of unsigned byte
    writeFileSync(file, bytes);
    await expectOneLineRunError(() => readIdxUbyte(file, 1), file, 'bad IDX magic 0x00000d01', '0x00000801');
  });

  it('rejects the wrong number of dimensions', async () => {
    const file = join(tmp.dir, 'images');
    writeFileSync(file, idxBytes([3], Uint8Array.of(1, 2, 3)));
    await expectOneLineRunError(() => readIdxUbyte(file, 3), file, 'bad IDX magic');
  });

  it('rejects truncated data and a truncated header', async () => {
    const file = join(tmp.dir, 'images');
    writeFileSync(file, idxBytes([2, 2, 2], new Uint8Array(8)).subarray(0, 20));
    await expectOneLineRunError(() => readIdxUbyte(file, 3), file, 'truncated (20 bytes', 'need 24');
    writeFileSync(file, Buffer.from([0, 0, 8, 3, 0, 0])); // right magic, dims cut short
    await expectOneLineRunError(() => readIdxUbyte(file, 3), file, 'truncated IDX header');
  });

  it('rejects trailing bytes and corrupt gzip', async () => {
    const file = join(tmp.dir, 'labels');
    writeFileSync(file, Buffer.concat([idxBytes([2], Uint8Array.of(1, 2)), Buffer.from([9])]));
    await expectOneLineRunError(() => readIdxUbyte(file, 1), file, '1 bytes after the data');
    const gz = join(tmp.dir, 'labels.gz');
    writeFileSync(gz, gzipSync(idxBytes([2], Uint8Array.of(1, 2))).subarray(0, 12));
    await expectOneLineRunError(() => readIdxUbyte(gz, 1), gz, 'corrupt gzip');
  });
});

describe('MNIST-layout folders through loadDataset', () => {
  it.each([false, true])('loads a folder (gzip=%s) with HWC images, fine and coarse labels', async (gzip) => {
    writeIdxDir(tmp.dir, { gzip });
    const ds = await loadDataset({ name: 'fashion-mnist', path: tmp.dir });
    expect(ds.shape).toEqual([28, 28, 1]);
    expect([ds.train.n, ds.test.n]).toEqual([12, 10]);
    expect(ds.train.images).toBeInstanceOf(Uint8Array);
    expect(ds.train.images[(3 * 28 + 5) * 28 + 7]).toBe(pixel(3, 5, 7));
    expect(Array.from(ds.test.fine)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    // groups: tops 0 {0,2,4,6}, trousers-dresses 1 {1,3}, footwear 2 {5,7,9}, bags 3 {8}
    expect(Array.from(ds.test.coarse)).toEqual([2, 3, 2, 0, 2, 0, 1, 0, 1, 0]);
    expect(ds.source).toBe(tmp.dir);
  });

  it('rejects a label outside the hierarchy, naming the label file', async () => {
    const files = writeIdxDir(tmp.dir, { train: [0, 1, 10] });
    await expectOneLineRunError(
      () => loadDataset({ name: 'mnist', path: tmp.dir }),
      files.trainLabels,
      'label 10 at record 2',
      '0..9',
    );
  });

  it('rejects images and labels of different counts', async () => {
    const files = writeIdxDir(tmp.dir);
    writeFileSync(files.testLabels, idxBytes([3], Uint8Array.of(1, 2, 3)));
    await expectOneLineRunError(
      () => loadDataset({ name: 'mnist', path: tmp.dir }),
      files.testLabels,
      '3 labels for the 10 images',
    );
  });

  it('rejects images of the wrong size', async () => {
    const files = writeIdxDir(tmp.dir, { hw: [32, 32] });
    await expectOneLineRunError(
      () => loadDataset({ name: 'mnist', path: tmp.dir }),
      files.trainImages,
      'images are 32x32, expected 28x28',
    );
  });

  it('says how to get fashion-mnist when its files are missing', async () => {
    rmSync(writeIdxDir(tmp.dir).testImages);
    await expectOneLineRunError(
      () => loadDataset({ name: 'fashion-mnist', path: tmp.dir }),
      't10k-images-idx3-ubyte[.gz] not found',
      'apt-get install dataset-fashion-mnist',
    );
  });
});
