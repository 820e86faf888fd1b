import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/registry.js';
import { cifar100Bytes, expectOneLineRunError, pixel, tempDir } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

// Native superclasses of a few fine classes: apple(0) -> fruit_and_vegetables(4),
// beaver(4) -> aquatic_mammals(0), worm(99) -> non-insect_invertebrates(13), bus(13) -> vehicles_1(18).
const TRAIN: [number, number][] = [[4, 0], [0, 4], [13, 99]];
const TEST: [number, number][] = [[18, 13]];

function writeBinaries(dir: string, train = TRAIN, test = TEST) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train.bin'), cifar100Bytes(train));
  writeFileSync(join(dir, 'test.bin'), cifar100Bytes(test));
}

describe('cifar100 binary', () => {
  it('reads records, converting CHW pixels to HWC, with native coarse labels', async () => {
    writeBinaries(tmp.dir);
    const ds = await loadDataset({ name: 'cifar100', path: tmp.dir });
    expect(ds.shape).toEqual([32, 32, 3]);
    expect([ds.train.n, ds.test.n]).toEqual([3, 1]);
    expect(Array.from(ds.train.fine)).toEqual([0, 4, 99]);
    expect(Array.from(ds.train.coarse)).toEqual([4, 0, 13]);
    expect(Array.from(ds.test.coarse)).toEqual([18]);
    expect([ds.fineNames.length, ds.coarseNames.length]).toEqual([100, 20]);
    for (const [i, y, x, c] of [[0, 0, 0, 0], [1, 3, 30, 2], [2, 31, 31, 1]]) {
      expect(ds.train.images[i * 3072 + (y * 32 + x) * 3 + c]).toBe(pixel(i, y, x, c));
    }
  });

  it('finds the cifar-100-binary folder inside the given path and in the cache dir by default', async () => {
    writeBinaries(join(tmp.dir, 'cifar100', 'cifar-100-binary'));
    const ds = await loadDataset({ name: 'cifar100' }, { cacheDir: tmp.dir });
    expect(ds.source).toBe(join(tmp.dir, 'cifar100'));
    expect(ds.train.n).toBe(3);
  });

  it('rejects a file that is not whole records', async () => {
    writeBinaries(tmp.dir);
    writeFileSync(join(tmp.dir, 'test.bin'), cifar100Bytes(TEST).subarray(0, 3000));
    await expectOneLineRunError(() => loadDataset({ name: 'cifar100', path: tmp.dir }), join(tmp.dir, 'test.bin'), '3000 bytes', '3074-byte');
  });

  it('rejects labels out of range', async () => {
    writeBinaries(tmp.dir, [[4, 0], [1, 100]]);
    await expectOneLineRunError(() => loadDataset({ name: 'cifar100', path: tmp.dir }), 'train.bin: fine label 100 at record 1');
    writeBinaries(tmp.dir, [[20, 0]]);
    await expectOneLineRunError(() => loadDataset({ name: 'cifar100', path: tmp.dir }), 'train.bin: coarse label 20 at record 0');
  });

  it('rejects a coarse byte that contradicts the native hierarchy', async () => {
    writeBinaries(tmp.dir, [[4, 0], [3, 4]]);
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      'train.bin: record 1 has coarse label 3',
      "fine class 'beaver' to 0",
    );
  });

  it('explains that the python pickle version is not read', async () => {
    const py = join(tmp.dir, 'cifar-100-python');
    mkdirSync(py);
    for (const f of ['train', 'test', 'meta']) writeFileSync(join(py, f), 'pickle');
    await expectOneLineRunError(() => loadDataset({ name: 'cifar100', path: tmp.dir }), py, 'python pickle version', 'binary version');
  });

  it('says where to put cifar100 when it is missing', async () => {
    await expectOneLineRunError(() => loadDataset({ name: 'cifar100' }, { cacheDir: tmp.dir }), join(tmp.dir, 'cifar100'), 'train.bin and test.bin', 'path');
  });
});
