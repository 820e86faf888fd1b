import type { Overrides } from '../config/load.js';

/** Command-line flags that override spec fields, by the spec path they set. */
const FLAG_TO_FIELD: Record<string, string> = {
  backend: 'backend',
  threads: 'threads',
  out: 'output',
  seed: 'seed',
  method: 'method.name',
  epochs: 'epochs',
  subset: 'dataset.subset',
  imbalance: 'longtail.imbalance',
  profile: 'longtail.profile',
  dataset: 'dataset.name',
};

export function overridesFrom(argv: Record<string, unknown>): Overrides {
  const out: Overrides = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) {
    if (argv[flag] !== undefined) out[field] = argv[flag];
  }
  return out;
}
