import { launcherSchema } from '../config/launcher.js';

/** What a tuning run is scored by: its training level's accuracy (highest wins) or loss (lowest) on the validation split. */
export const TUNE_METRICS = ['coarse.val_accuracy', 'coarse.val_loss', 'fine.val_accuracy', 'fine.val_loss'] as const;
export type TuneMetric = (typeof TUNE_METRICS)[number];

/**
 * A suite: a base spec, a grid of fields to vary, the pipeline every cell runs, and expectations
 * checked on the seed means. Validated with the same schema machinery as specs.
 */
export const suiteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['grid'],
  properties: {
    name: {
      type: ['string', 'null'],
      default: null,
      description: 'suite folder under the output (default: the file name)',
    },
    base: {
      type: ['string', 'null'],
      default: null,
      description: 'spec file the cells start from, relative to the suite file',
    },
    spec: { type: 'object', default: {}, description: 'spec fields set for every cell, on top of base' },
    pipeline: {
      enum: ['transfer', 'longtail'],
      default: 'transfer',
      description: 'transfer: pretrain -> extract -> probe; longtail: long-tailed training',
    },
    grid: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'array', minItems: 1 },
      description: 'dotted spec field -> list of values; cells are the cartesian product',
    },
    tune: {
      type: 'object',
      additionalProperties: false,
      required: ['fields'],
      description:
        'per-method hyperparameter selection on a validation split of the training images, before the grid runs (docs/design.md §8 Tuning)',
      properties: {
        fields: {
          type: 'object',
          minProperties: 1,
          additionalProperties: { type: 'array', minItems: 1 },
          description: 'dotted spec field -> values tried; every combination is tried for each group of the grid',
        },
        metric: {
          enum: TUNE_METRICS,
          default: 'coarse.val_accuracy',
          description:
            'what pretraining measures on the validation split after its last epoch (accuracy: highest wins, loss: lowest)',
        },
        validation: {
          type: 'number',
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: 0.2,
          description: 'fraction of the training images held out, stratified by class and seeded by the tune seed',
        },
        epochs: {
          type: ['integer', 'null'],
          minimum: 1,
          default: null,
          description: "epochs of a tuning run (default: the cell's own epochs)",
        },
        seeds: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          default: [0],
          description: 'seeds of the tuning runs; the score of a value set is its mean over them',
        },
      },
    },
    baseline: {
      type: ['string', 'null'],
      default: null,
      description: 'method the others are compared with (default: ce when in the grid)',
    },
    expectations: {
      type: 'array',
      default: [],
      items: {
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['check'],
            properties: {
              check: { type: 'string' },
              margin: { type: 'number', minimum: 0, default: 0 },
              interval: {
                type: 'number',
                exclusiveMinimum: 0,
                exclusiveMaximum: 1,
                description:
                  'confidence level: the check holds only when the whole t interval over seeds (of the paired difference, or of the mean against a number) is on its side',
              },
              note: { type: 'string' },
            },
          },
        ],
      },
    },
    report: { type: 'boolean', default: true, description: 'write report.html at the end' },
    launcher: { ...launcherSchema, description: 'Slurm settings for cone run --launcher slurm (flags override them)' },
  },
} as const;

export type Pipeline = 'transfer' | 'longtail';

export interface Expectation {
  check: string;
  margin: number;
  /** Confidence level: check the t interval over seeds rather than the seed means. */
  interval?: number;
  note?: string;
}

export interface Tune {
  fields: Record<string, unknown[]>;
  metric: TuneMetric;
  validation: number;
  epochs: number | null;
  seeds: number[];
}

export interface Suite {
  name: string;
  file: string;
  base: string | null;
  spec: Record<string, unknown>;
  pipeline: Pipeline;
  grid: Record<string, unknown[]>;
  /** Per-method tuning before the grid runs; null when the suite tunes nothing. */
  tune?: Tune | null;
  baseline: string | null;
  expectations: Expectation[];
  report: boolean;
  /** The `launcher:` block as written (validated; defaults are filled when it is resolved with the flags). */
  launcher?: Record<string, unknown>;
}
