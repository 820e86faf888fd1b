import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hierarchyNames, loadHierarchy, loadHierarchyFile } from '../../src/data/hierarchy.js';
import { datasetClassCounts, listDatasets } from '../../src/data/registry.js';
import { UsageError } from '../../src/errors.js';
import { expectOneLineRunError, tempDir } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.cleanup());

const groupsOf = (h: ReturnType<typeof loadHierarchy>) =>
  h.coarseNames.map((_, c) => h.fineNames.filter((_, f) => h.fineToCoarse[f] === c));

describe('shipped hierarchies', () => {
  it('every shipped file validates and every dataset default is shipped', () => {
    for (const ds of listDatasets().filter((d) => d.name !== 'synthetic')) {
      expect(ds.hierarchies).toContain(ds.defaultHierarchy);
      for (const name of ds.hierarchies) expect(loadHierarchy(ds.name, name).fineToCoarse.length).toBeGreaterThan(0);
    }
  });

  it('encodes the groupings of the design', () => {
    expect(groupsOf(loadHierarchy('mnist', 'pairs'))).toEqual([
      ['0', '1'],
      ['2', '3'],
      ['4', '5'],
      ['6', '7'],
      ['8', '9'],
    ]);
    const fashion = loadHierarchy('fashion-mnist', 'groups');
    expect(Array.from(fashion.fineToCoarse)).toEqual([0, 1, 0, 1, 0, 2, 0, 2, 3, 2]);
    const pairs = loadHierarchy('cifar10', 'pairs');
    expect(groupsOf(pairs)).toEqual([
      ['airplane', 'ship'],
      ['automobile', 'truck'],
      ['bird', 'frog'],
      ['cat', 'dog'],
      ['deer', 'horse'],
    ]);
    const av = loadHierarchy('cifar10', 'animals-vehicles');
    expect(groupsOf(av)[1]).toEqual(['airplane', 'automobile', 'ship', 'truck']);
    const c100 = loadHierarchy('cifar100', 'native');
    expect([c100.fineNames.length, c100.coarseNames.length]).toEqual([100, 20]);
    expect(groupsOf(c100).every((g) => g.length === 5)).toBe(true);
    expect(groupsOf(c100)[c100.coarseNames.indexOf('people')]).toEqual(['baby', 'boy', 'girl', 'man', 'woman']);
  });

  it('gives class counts without reading data', () => {
    expect(datasetClassCounts({ name: 'cifar100' })).toEqual({ fine: 100, coarse: 20 });
    expect(datasetClassCounts({ name: 'cifar10', hierarchy: 'animals-vehicles' })).toEqual({ fine: 10, coarse: 2 });
    expect(datasetClassCounts({ name: 'synthetic', synthetic: { coarse: 3, fine_per_coarse: 4 } })).toEqual({
      fine: 12,
      coarse: 3,
    });
  });

  it('rejects an unknown hierarchy or dataset name with a usage error listing the known ones', () => {
    expect(() => loadHierarchy('cifar10', 'nope')).toThrow(
      new UsageError(
        "unknown hierarchy 'nope' for dataset cifar10; known: animals-vehicles, pairs (or give a path to a .json file)",
      ),
    );
    expect(() => datasetClassCounts({ name: 'imagenet' })).toThrow(UsageError);
    expect(() => datasetClassCounts({ name: 'synthetic', hierarchy: 'pairs' })).toThrow(UsageError);
    expect(hierarchyNames('cifar100')).toEqual(['native']);
  });
});

describe('hierarchy file validation', () => {
  const write = (content: unknown) => {
    const file = join(tmp.dir, 'h.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const base = () => ({
    dataset: 'mnist',
    fine_names: ['a', 'b', 'c'],
    coarse: [
      { name: 'x', fine: ['a', 'b'] },
      { name: 'y', fine: ['c'] },
    ],
  });

  it('accepts a file given by path and maps fine to coarse in file order', () => {
    const file = write(base());
    const h = loadHierarchy('mnist', file);
    expect(h.name).toBe(file);
    expect(Array.from(h.fineToCoarse)).toEqual([0, 0, 1]);
    expect(h.coarseNames).toEqual(['x', 'y']);
  });

  it.each([
    [
      'a fine class in two coarse classes',
      (b: ReturnType<typeof base>) => b.coarse[1].fine.push('a'),
      "fine class 'a' is in two coarse classes ('x' and 'y')",
    ],
    [
      'a fine class in no coarse class',
      (b: ReturnType<typeof base>) => (b.coarse[0].fine = ['a']),
      'fine classes in no coarse class: b',
    ],
    [
      'a new fine name left unmapped',
      (b: ReturnType<typeof base>) => b.fine_names.push('d'),
      'fine classes in no coarse class: d',
    ],
    [
      'an unknown fine name',
      (b: ReturnType<typeof base>) => b.coarse[0].fine.push('zz'),
      "lists 'zz', which is not in fine_names",
    ],
    [
      'a duplicate fine name',
      (b: ReturnType<typeof base>) => b.fine_names.push('a'),
      "'a' appears twice in fine_names",
    ],
    [
      'a duplicate coarse name',
      (b: ReturnType<typeof base>) => (b.coarse[1].name = 'x'),
      "coarse class name 'x' appears twice",
    ],
    [
      'a missing coarse name',
      (b: ReturnType<typeof base>) => delete (b.coarse[0] as { name?: string }).name,
      "/coarse/0 must have required property 'name'",
    ],
    [
      'an empty fine name',
      (b: ReturnType<typeof base>) => (b.fine_names[0] = ''),
      '/fine_names/0 must NOT have fewer than 1 characters',
    ],
    [
      'another dataset',
      (b: ReturnType<typeof base>) => (b.dataset = 'cifar10'),
      "is for dataset 'cifar10', not 'mnist'",
    ],
  ])('rejects %s, naming the file', async (_what, edit, message) => {
    const b = base();
    edit(b);
    const file = write(b);
    await expectOneLineRunError(() => loadHierarchyFile(file, 'mnist', 'h'), `hierarchy file ${file}: `, message);
  });

  it('rejects a file that is not JSON', async () => {
    const file = write('{"dataset": ');
    await expectOneLineRunError(() => loadHierarchyFile(file, 'mnist', 'h'), file, 'cannot read it as JSON');
  });
});
