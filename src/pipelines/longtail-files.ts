import { splitRecord, type LongtailSplit } from '../data/longtail.js';

/** The columns of longtail.csv (one row per run, docs/design.md §6). */
export const LONGTAIL_COLUMNS = [
  'run_id',
  'dataset',
  'method',
  'seed',
  'imbalance',
  'profile',
  'overall',
  'many',
  'medium',
  'few',
  'n_many',
  'n_medium',
  'n_few',
  'counts',
];

/** The columns of per_class.csv (one row per fine class). */
export const PER_CLASS_COLUMNS = ['class', 'name', 'train_count', 'bucket', 'test_n', 'accuracy'];

/** split.json with one field per line and each array on its line (100 CIFAR-100 counts stay readable). */
export function splitJson(split: LongtailSplit): string {
  const fields = Object.entries(splitRecord(split)).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${fields.join(',\n')}\n}\n`;
}

const count = { type: 'integer', minimum: 0 };

/** split.json as splitJson writes it. */
export const SPLIT_SCHEMA = {
  type: 'object',
  required: ['profile', 'imbalance', 'seed', 'counts', 'n_max', 'n_train', 'permute_classes', 'class_order'],
  properties: {
    profile: { type: 'string' },
    imbalance: { type: 'number' },
    seed: { type: 'integer' },
    counts: { type: 'array', items: count, minItems: 1 },
    n_max: count,
    n_train: count,
    permute_classes: { type: 'boolean' },
    class_order: { type: 'array', items: count, minItems: 1 },
  },
};

/** The fields of split.json that the checks compare with the run. */
export interface SplitFile {
  counts: number[];
  n_train: number;
  class_order: number[];
}
