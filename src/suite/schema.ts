import { launcherSchema } from '../config/launcher.js';

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

export interface Suite {
  name: string;
  file: string;
  base: string | null;
  spec: Record<string, unknown>;
  pipeline: Pipeline;
  grid: Record<string, unknown[]>;
  baseline: string | null;
  expectations: Expectation[];
  report: boolean;
  /** The `launcher:` block as written (validated; defaults are filled when it is resolved with the flags). */
  launcher?: Record<string, unknown>;
}
