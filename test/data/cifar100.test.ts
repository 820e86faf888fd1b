import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDatasets, loadDataset } from '../../src/data/registry.js';
import { cifar100Bytes, expectOneLineRunError, pixel, tempDir } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

// Native superclasses of a few fine classes: apple(0) -> fruit_and_vegetables(4),
// beaver(4) -> aquatic_mammals(0), worm(99) -> non-insect_invertebrates(13), bus(13) -> vehicles_1(18).
const TRAIN: [number, number][] = [
  [4, 0],
  [0, 4],
  [13, 99],
];
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
    for (const [i, y, x, c] of [
      [0, 0, 0, 0],
      [1, 3, 30, 2],
      [2, 31, 31, 1],
    ]) {
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
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      join(tmp.dir, 'test.bin'),
      '3000 bytes',
      '3074-byte',
    );
  });

  it('rejects labels out of range', async () => {
    writeBinaries(tmp.dir, [
      [4, 0],
      [1, 100],
    ]);
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      'train.bin: fine label 100 at record 1',
    );
    writeBinaries(tmp.dir, [[20, 0]]);
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      'train.bin: coarse label 20 at record 0',
    );
  });

  it('rejects a coarse byte that contradicts the native hierarchy', async () => {
    writeBinaries(tmp.dir, [
      [4, 0],
      [3, 4],
    ]);
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      'train.bin: record 1 has coarse label 3',
      "fine class 'beaver' to 0",
    );
  });

  it('says where to put cifar100 when it is missing', async () => {
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100' }, { cacheDir: tmp.dir }),
      join(tmp.dir, 'cifar100'),
      'train.bin and test.bin',
      'train and test (the python version',
      'path',
    );
  });
});

/** Written by test/fixtures/cifar100-python/make_fixtures.py: pixels as pixel(), labels as below. */
const PYTHON_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'cifar100-python');
// [coarse, fine]: apple, beaver, worm, bus, cattle / woman, dolphin, oak_tree.
const PYTHON_TRAIN: [number, number][] = [
  [4, 0],
  [0, 4],
  [13, 99],
  [18, 13],
  [11, 19],
];
const PYTHON_TEST: [number, number][] = [
  [14, 98],
  [0, 30],
  [17, 52],
];

/** A cifar-100-python folder with the fixture files; `train` may be one of the malformed ones. */
function writePython(dir: string, train = 'train', files = ['test', 'meta']) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(PYTHON_FIXTURES, train), join(dir, 'train'));
  for (const f of files) copyFileSync(join(PYTHON_FIXTURES, f), join(dir, f));
}

describe('cifar100 python', () => {
  it('reads the pickled splits to HWC pixels with fine and native coarse labels', async () => {
    const ds = await loadDataset({ name: 'cifar100', path: PYTHON_FIXTURES });
    expect(ds.shape).toEqual([32, 32, 3]);
    expect([ds.train.n, ds.test.n]).toEqual([5, 3]);
    expect(Array.from(ds.train.fine)).toEqual([0, 4, 99, 13, 19]);
    expect(Array.from(ds.train.coarse)).toEqual([4, 0, 13, 18, 11]);
    expect(Array.from(ds.test.fine)).toEqual([98, 30, 52]);
    expect(Array.from(ds.test.coarse)).toEqual([14, 0, 17]);
    // Image i's pixel (y, x) channel c is (31i + 7y + 3x + 101c) % 256, at [i][(32y + x) * 3 + c].
    expect(Array.from(ds.train.images.subarray(0, 6))).toEqual([0, 101, 202, 3, 104, 205]);
    expect(ds.train.images[4 * 3072 + (31 * 32 + 31) * 3 + 2]).toBe(124);
    expect(ds.test.images[2 * 3072 + (5 * 32 + 17) * 3 + 1]).toBe(249);
  });

  it('loads to the same images and labels as the binary version of the same data', async () => {
    writeBinaries(tmp.dir, PYTHON_TRAIN, PYTHON_TEST);
    const binary = await loadDataset({ name: 'cifar100', path: tmp.dir });
    const python = await loadDataset({ name: 'cifar100', path: PYTHON_FIXTURES });
    for (const split of ['train', 'test'] as const) {
      expect(python[split].n).toBe(binary[split].n);
      expect(python[split].images).toEqual(binary[split].images);
      expect(python[split].fine).toEqual(binary[split].fine);
      expect(python[split].coarse).toEqual(binary[split].coarse);
    }
  });

  it('finds the cifar-100-python folder in the cache dir, and lists cifar100 as available', async () => {
    writePython(join(tmp.dir, 'cifar100', 'cifar-100-python'));
    expect(listDatasets({ cacheDir: tmp.dir }).find((d) => d.name === 'cifar100')?.available).toBe(true);
    const ds = await loadDataset({ name: 'cifar100' }, { cacheDir: tmp.dir });
    expect(ds.source).toBe(join(tmp.dir, 'cifar100'));
    expect(ds.train.n).toBe(5);
  });

  it('prefers the binary version when a folder holds both', async () => {
    writePython(join(tmp.dir, 'cifar-100-python'));
    writeBinaries(join(tmp.dir, 'cifar-100-binary'));
    const ds = await loadDataset({ name: 'cifar100', path: tmp.dir });
    expect(ds.train.n).toBe(TRAIN.length);
  });

  it('rejects a truncated pickle and a file that is not one', async () => {
    writePython(tmp.dir);
    const file = join(tmp.dir, 'train');
    writeFileSync(file, readFileSync(file).subarray(0, 5000));
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      file,
      'unreadable pickle',
      'cifar-100-python.tar.gz',
    );
    writeFileSync(file, 'not a pickle');
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      file,
      'not a protocol-2 pickle',
    );
  });

  it('rejects image data that is not uint8 rows of 3072 bytes', async () => {
    writePython(tmp.dir, 'train-wrong-dtype');
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      join(tmp.dir, 'train'),
      "b'data' has dtype u2, expected u1",
    );
    writePython(tmp.dir, 'train-wrong-shape');
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      join(tmp.dir, 'train'),
      "b'data' has shape [1, 3, 1024], expected [N, 3072]",
    );
  });

  it('rejects label lists of the wrong length or out of range', async () => {
    writePython(tmp.dir, 'train-two-labels');
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      join(tmp.dir, 'train'),
      "b'fine_labels' must be a list of 1 ints",
      'got 2 entries',
    );
    writePython(tmp.dir, 'train-fine-label-100');
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      join(tmp.dir, 'train'),
      'fine label 100 at record 0 is outside 0..99',
    );
  });

  it('names the missing test file', async () => {
    const dir = join(tmp.dir, 'cifar-100-python');
    writePython(dir, 'train', ['meta']);
    await expectOneLineRunError(
      () => loadDataset({ name: 'cifar100', path: tmp.dir }),
      `${join(dir, 'test')} not found`,
      'python version',
    );
  });
});
