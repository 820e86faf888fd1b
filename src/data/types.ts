/** The label level a model is trained or probed at. */
export type Level = 'fine' | 'coarse';

/**
 * One split of a dataset. `images` holds n samples back to back, each h*w*c values in HWC
 * row-major order (or `dim` values for flat data): Uint8Array (0..255) for real image datasets,
 * Float32Array for synthetic data.
 */
export interface Split {
  images: Uint8Array | Float32Array;
  fine: Int32Array;
  coarse: Int32Array;
  n: number;
}

export interface Dataset {
  name: string;
  /** [h, w, c] for images, [dim] for flat vectors. */
  shape: [number, number, number] | [number];
  train: Split;
  test: Split;
  fineNames: string[];
  coarseNames: string[];
  /** fineToCoarse[f] is the coarse class of fine class f. */
  fineToCoarse: Int32Array;
  /** Hierarchy name (e.g. "pairs") or the path of the hierarchy file that was given. */
  hierarchy: string;
  /** Where the samples were read from (a directory, a cache file, or "generated"). */
  source: string;
}

/** Parameters of the hierarchical Gaussian mixture; every field has a default. */
export interface SyntheticParams {
  coarse?: number;
  fine_per_coarse?: number;
  /** Vector length; with `image: true` it must be a perfect square (image side = sqrt(dim)). */
  dim?: number;
  train_per_fine?: number;
  test_per_fine?: number;
  /** Standard deviation of the coarse centres around the origin. */
  coarse_spread?: number;
  /** Standard deviation of each fine centre around its coarse centre. */
  fine_spread?: number;
  /** Standard deviation of each sample around its fine centre. */
  noise?: number;
  /** Shape samples as [sqrt(dim), sqrt(dim), 1] images instead of flat [dim] vectors. */
  image?: boolean;
  /** Seed of the generator; defaults to the spec's seed. */
  seed?: number;
}

export interface DatasetSpec {
  name: string;
  /** Directory to read from instead of the default location (fashion-mnist, cifar100, mnist, cifar10 cache). */
  path?: string | null;
  /** Hierarchy name (datasets/hierarchies/<dataset>-<name>.json) or a path to a .json hierarchy file. */
  hierarchy?: string | null;
  /** Seeded class-balanced subset of the training split, this many samples. */
  subset?: number | null;
  /** Seeded class-balanced subset of the test split, this many samples. */
  test_subset?: number | null;
  synthetic?: SyntheticParams | null;
  /**
   * Fraction of the training images (after `subset`) held out as a validation split that takes the
   * test split's place: trained on the rest, evaluated on it; the test split is not used.
   */
  validation?: number | null;
  /** Seed for subsets (and the synthetic generator when synthetic.seed is not given). */
  seed?: number;
}

export interface DatasetStatus {
  name: string;
  available: boolean;
  /** Where the data is (or would be) read from. */
  source: string;
  /** One line telling how to make the dataset available. */
  howToGet: string;
  defaultHierarchy: string;
  hierarchies: string[];
}
