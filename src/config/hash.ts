import crypto from 'node:crypto';
import type { Spec } from './schema.js';

/**
 * Fields that name a run or say where and how fast it happens or how it is watched, not what it computes: they are left
 * out of the hash so that the same experiment on a laptop and on a GPU machine, or in two suites,
 * has the same run id.
 */
const EXECUTION_FIELDS = ['name', 'output', 'backend', 'threads', 'tensorboard'] as const;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The synthetic block of a spec as every run of another dataset resolved it until the synthetic noise
 * default went from 1 to 2. Other datasets never read the block, but the schema fills it in and the
 * hash has always included it; hashing this fixed block for them keeps their run ids (and every
 * published result's folder) unchanged whatever the synthetic defaults become.
 */
const SYNTHETIC_AS_HASHED_FOR_OTHER_DATASETS = {
  coarse: 4,
  fine_per_coarse: 3,
  dim: 32,
  train_per_fine: 100,
  test_per_fine: 50,
  coarse_spread: 4,
  fine_spread: 1.5,
  noise: 1,
  image: false,
};

/** What a run does with its spec; a long-tail run of a spec is a different run than its pretraining. */
export type RunKind = 'pretrain' | 'longtail';

export function specHash(spec: Spec, kind: RunKind = 'pretrain'): string {
  const scientific: Record<string, unknown> = { ...spec };
  for (const f of EXECUTION_FIELDS) delete scientific[f];
  // Tracking off (the default) leaves the hash as it was before tracking existed, so existing run ids stay.
  if (!spec.track || spec.track.every === 0) delete scientific.track;
  // Likewise a spec without a validation split (the default) keeps its run id; one with it is another run.
  if (spec.dataset?.validation == null && spec.dataset) {
    const { validation: _, ...dataset } = spec.dataset;
    scientific.dataset = dataset;
  }
  if (spec.dataset && spec.dataset.name !== 'synthetic') {
    scientific.dataset = { ...(scientific.dataset as object), synthetic: SYNTHETIC_AS_HASHED_FOR_OTHER_DATASETS };
  }
  // Pretraining hashes the spec alone, so its run ids stay what they were before long-tail runs existed.
  if (kind !== 'pretrain') scientific.kind = kind;
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(canonical(scientific)))
    .digest('hex')
    .slice(0, 8);
}

/** `<dataset>-<method>-s<seed>-<hash>` (docs/design.md §6). */
export function runId(spec: Spec, kind: RunKind = 'pretrain'): string {
  return `${spec.dataset.name}-${spec.method.name}-s${spec.seed}-${specHash(spec, kind)}`;
}
