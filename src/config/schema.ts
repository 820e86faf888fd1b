import { BACKEND_NAMES } from '../backend/names.js';
import { LONGTAIL_PROFILES, type LongtailProfile } from '../data/longtail.js';
import { DATASET_NAMES, type DatasetName } from '../data/registry.js';
import { SYNTHETIC_DEFAULTS } from '../data/synthetic.js';
import { PROBE_NAMES, type ProbeName } from '../eval/probes/registry.js';
import { NETWORK_NAMES } from '../model/networks/types.js';
import { methodNames } from '../train/losses/index.js';

/**
 * The experiment spec: a JSON Schema with defaults. Ajv fills the defaults, so the resolved spec
 * (what is saved beside a run and hashed) always carries every field.
 */
const nullableInt = (minimum: number) => ({ type: ['integer', 'null'], minimum, default: null });
const nonNegative = (def: number) => ({ type: 'number', minimum: 0, default: def });

/** Method names come from the loss registry (read when this module loads). */
export const METHOD_NAMES = methodNames();
/** Optimizer and schedule names are owned here: train/ implements them, bench/ and the spec take them from here. */
export const OPTIMIZER_NAMES = ['sgd', 'adam'] as const;
export const SCHEDULE_NAMES = ['constant', 'step', 'cosine', 'onecycle'] as const;

export const specSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: ['string', 'null'], default: null, description: 'experiment name (default: the spec file name)' },
    dataset: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: DATASET_NAMES, default: 'mnist' },
        path: {
          type: ['string', 'null'],
          default: null,
          description: 'folder with the files, for fashion-mnist and cifar100',
        },
        hierarchy: {
          type: ['string', 'null'],
          default: null,
          description: 'coarse grouping (a file under datasets/hierarchies); null = the dataset default',
        },
        level: { enum: ['coarse', 'fine'], default: 'coarse', description: 'label level trained on' },
        subset: { ...nullableInt(1), description: 'class-balanced training subset size' },
        test_subset: { ...nullableInt(1), description: 'class-balanced test subset size' },
        validation: {
          type: ['number', 'null'],
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: null,
          description:
            'fraction of the training images held out (stratified by class, seeded) and evaluated in place of the test split, which is then not used (suite tuning runs)',
        },
        synthetic: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            coarse: { type: 'integer', minimum: 2, default: SYNTHETIC_DEFAULTS.coarse },
            fine_per_coarse: { type: 'integer', minimum: 1, default: SYNTHETIC_DEFAULTS.fine_per_coarse },
            dim: { type: 'integer', minimum: 2, default: SYNTHETIC_DEFAULTS.dim },
            train_per_fine: { type: 'integer', minimum: 1, default: SYNTHETIC_DEFAULTS.train_per_fine },
            test_per_fine: { type: 'integer', minimum: 1, default: SYNTHETIC_DEFAULTS.test_per_fine },
            coarse_spread: nonNegative(SYNTHETIC_DEFAULTS.coarse_spread),
            fine_spread: nonNegative(SYNTHETIC_DEFAULTS.fine_spread),
            noise: nonNegative(SYNTHETIC_DEFAULTS.noise),
            image: {
              type: 'boolean',
              default: SYNTHETIC_DEFAULTS.image,
              description: 'shape samples as sqrt(dim) x sqrt(dim) x 1 images',
            },
          },
        },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: NETWORK_NAMES, default: 'cnn28' },
        feature_dim: { type: 'integer', minimum: 2, default: 128 },
        width: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'channel multiplier' },
        hidden: {
          type: 'array',
          items: { type: 'integer', minimum: 1 },
          default: [256, 256],
          description: 'mlp hidden layer sizes',
        },
        batch_norm: { type: 'boolean', default: true, description: 'batch-norm in the mlp' },
      },
    },
    method: {
      type: 'object',
      additionalProperties: false,
      default: {},
      // Parameters default to null here; the loss registry fills the ones the chosen method uses
      // (and only those) when the spec is resolved.
      properties: {
        name: { enum: METHOD_NAMES, default: 'cone' },
        scale: { type: ['number', 'null'], default: null, description: 'logit scale s of the ETF losses (default 16)' },
        theta: {
          type: ['number', 'null'],
          default: null,
          description: 'cone half-angle in degrees (default 0.8 of the largest allowed)',
        },
        label_smoothing: { type: ['number', 'null'], default: null, description: 'ce label smoothing (default 0)' },
        mean_weight: {
          type: ['number', 'null'],
          default: null,
          description: 'cone-mean: weight of the class-mean term (default 1)',
        },
        tau: { type: ['number', 'null'], default: null, description: 'la-ce: logit adjustment strength (default 1)' },
      },
    },
    optimizer: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: OPTIMIZER_NAMES, default: 'sgd' },
        lr: { type: 'number', exclusiveMinimum: 0, default: 0.05 },
        momentum: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
        weight_decay: nonNegative(5e-4),
        feature_weight_decay: {
          type: ['number', 'null'],
          minimum: 0,
          default: null,
          description: 'weight decay of the feature layer (null = weight_decay)',
        },
        beta1: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.9 },
        beta2: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999 },
      },
    },
    schedule: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        name: { enum: SCHEDULE_NAMES, default: 'cosine' },
        warmup_epochs: nonNegative(0),
        milestones: {
          type: 'array',
          items: { type: 'number', minimum: 0 },
          default: [],
          description: 'epochs at which step decays',
        },
        gamma: { type: 'number', exclusiveMinimum: 0, default: 0.1 },
        min_lr_ratio: { type: 'number', minimum: 0, maximum: 1, default: 0 },
      },
    },
    epochs: { type: 'integer', minimum: 1, default: 10 },
    batch_size: { type: 'integer', minimum: 1, default: 128 },
    eval_every: {
      type: 'integer',
      minimum: 1,
      default: 1,
      description: 'evaluate on the test split every N epochs (and always after the last)',
    },
    augment: {
      type: 'boolean',
      default: false,
      description: 'random crop (pad 4) and horizontal flip, 32x32 images only',
    },
    // Above 2^53 neighbouring seeds are the same double: two cells would be one run.
    seed: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
    backend: { enum: BACKEND_NAMES, default: 'auto' },
    threads: { ...nullableInt(1), description: 'wasm threads (null = number of cores)' },
    output: { type: 'string', default: 'results' },
    tensorboard: {
      type: 'boolean',
      default: false,
      description: 'also write per-epoch scalars as TensorBoard event files into the run folder (not hashed)',
    },
    longtail: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        imbalance: { type: 'number', minimum: 1, default: 100 },
        profile: { enum: LONGTAIL_PROFILES, default: 'exp' },
        permute_classes: { type: 'boolean', default: false },
        many_threshold: {
          type: ['number', 'null'],
          default: null,
          description: 'many-shot: more train images than this (null = 100, scaled to small datasets)',
        },
        few_threshold: {
          type: ['number', 'null'],
          default: null,
          description: 'few-shot: fewer train images than this (null = 20, scaled)',
        },
      },
    },
    track: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'collapse over training: probes and geometry on fixed subsets, written to trajectory.csv',
      properties: {
        every: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description: 'measure after every N-th epoch and the last (0 = off)',
        },
        subset: {
          type: 'integer',
          minimum: 1,
          default: 2000,
          description: 'seeded class-balanced images of each split (train, test) measured',
        },
        probes: {
          type: 'array',
          items: { enum: PROBE_NAMES },
          uniqueItems: true,
          default: ['linear', 'knn'],
          description: 'probes fitted at both label levels',
        },
      },
    },
    probe: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        probes: { type: 'array', items: { enum: PROBE_NAMES }, default: ['linear', 'knn', 'ncc', 'kmeans'] },
        level: { enum: ['coarse', 'fine'], default: 'fine' },
        C: { type: 'number', exclusiveMinimum: 0, default: 1 },
        normalise: { type: 'boolean', default: true },
        k: { type: 'integer', minimum: 1, default: 20 },
      },
    },
  },
} as const;

export interface Spec {
  name: string | null;
  dataset: {
    name: DatasetName;
    path: string | null;
    hierarchy: string | null;
    level: 'coarse' | 'fine';
    subset: number | null;
    test_subset: number | null;
    /** Held-out fraction of the training images evaluated instead of the test split; null: none. */
    validation: number | null;
    synthetic: {
      coarse: number;
      fine_per_coarse: number;
      dim: number;
      train_per_fine: number;
      test_per_fine: number;
      coarse_spread: number;
      fine_spread: number;
      noise: number;
      image: boolean;
    };
  };
  model: {
    name: (typeof NETWORK_NAMES)[number];
    feature_dim: number;
    width: number;
    hidden: number[];
    batch_norm: boolean;
  };
  /** After resolution: the name and exactly the parameters that method uses. */
  method: {
    name: string;
    scale?: number | null;
    theta?: number | null;
    label_smoothing?: number | null;
    mean_weight?: number | null;
    tau?: number | null;
  };
  optimizer: {
    name: (typeof OPTIMIZER_NAMES)[number];
    lr: number;
    momentum: number;
    weight_decay: number;
    feature_weight_decay: number | null;
    beta1: number;
    beta2: number;
  };
  schedule: {
    name: (typeof SCHEDULE_NAMES)[number];
    warmup_epochs: number;
    milestones: number[];
    gamma: number;
    min_lr_ratio: number;
  };
  epochs: number;
  batch_size: number;
  eval_every: number;
  augment: boolean;
  seed: number;
  backend: (typeof BACKEND_NAMES)[number];
  threads: number | null;
  output: string;
  tensorboard: boolean;
  longtail: {
    imbalance: number;
    profile: LongtailProfile;
    permute_classes: boolean;
    many_threshold: number | null;
    few_threshold: number | null;
  };
  track: { every: number; subset: number; probes: ProbeName[] };
  probe: { probes: ProbeName[]; level: 'coarse' | 'fine'; C: number; normalise: boolean; k: number };
}
