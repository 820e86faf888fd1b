import fs from 'node:fs';
import path from 'node:path';
import deepmerge from 'deepmerge';
import YAML from 'yaml';

/**
 * A spec small enough for a test: 3 coarse × 2 fine synthetic clusters, a small MLP, 3 epochs; the
 * easy noise 1 (not the default 2) so that three epochs learn the task.
 */
export const TINY_SPEC = {
  dataset: {
    name: 'synthetic',
    synthetic: { coarse: 3, fine_per_coarse: 2, dim: 12, train_per_fine: 40, test_per_fine: 15, noise: 1 },
  },
  model: { name: 'mlp', feature_dim: 8, hidden: [16] },
  method: { name: 'cone' },
  epochs: 3,
  batch_size: 32,
};

/** TINY_SPEC with fields changed (objects merged, arrays replaced). */
export function tinySpec(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return deepmerge(TINY_SPEC, changes, { arrayMerge: (_, source) => source }) as Record<string, unknown>;
}

/** Writes tinySpec(changes) as YAML to dir/name and returns its path. */
export function writeTinySpec(dir: string, changes: Record<string, unknown> = {}, name = 'tiny.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, YAML.stringify(tinySpec(changes)));
  return file;
}
