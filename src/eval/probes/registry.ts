import type { FeatureMatrix } from '../features.js';
import { kmeansProbe } from './kmeans.js';
import { knnProbe } from './knn.js';
import { tunedLinearProbe } from './linear-tuned.js';
import { linearProbe } from './linear.js';
import { nccProbe } from './ncc.js';
import type { ProbeResult } from './probe-result.js';

/** One split's features with both label levels. */
export interface ProbeSplit {
  features: FeatureMatrix;
  fine: Int32Array;
  coarse: Int32Array;
}

export interface ProbeContext {
  train: ProbeSplit;
  test: ProbeSplit;
  level: 'fine' | 'coarse';
  /** Number of classes at `level`. */
  K: number;
  /** The run's seed: seeds the probes that draw (the linear probe's validation split, k-means). */
  seed: number | string;
  /** `normalise`: L2 rows (else raw) for linear, linear-fixed, ncc, kmeans; `C`: linear-fixed's penalty; `k`: kNN. */
  settings: { normalise: boolean; C: number; k: number };
  /** Stops a probe at its next interruption point (InterruptedError): SIGINT/SIGTERM during `cone probe` or a suite cell. */
  signal?: AbortSignal;
}

interface ProbeDefinition {
  /** The probe.csv rows (`probe` column) it writes; in summaries `<level>.<row>` with '-' as '_'. */
  rows: readonly string[];
  /** The label levels it runs at (default both); at another level it writes no rows. */
  levels?: readonly ProbeContext['level'][];
  run(ctx: ProbeContext): Promise<ProbeResult[]>;
}

const labelled = (s: ProbeSplit, level: ProbeContext['level']) => ({ features: s.features, labels: s[level] });
const variant = (ctx: ProbeContext) => (ctx.settings.normalise ? 'l2' : 'raw');
const named = (probe: string, r: ProbeResult): ProbeResult => ({ ...r, probe });

/** Every probe, in the order of probe.csv and the summaries. A new probe is one file plus one entry here. */
const PROBES = {
  // C chosen on a validation split of the training features (linear-tuned.ts): the fair default.
  linear: {
    rows: ['linear'],
    run: async (ctx: ProbeContext) => [
      await tunedLinearProbe(labelled(ctx.train, ctx.level), labelled(ctx.test, ctx.level), ctx.K, {
        features: variant(ctx),
        seed: ctx.seed,
        signal: ctx.signal,
      }),
    ],
  },
  // The same on raw features standardised with training statistics: does a conclusion depend on the normalisation?
  'linear-std': {
    rows: ['linear-std'],
    run: async (ctx: ProbeContext) => [
      named(
        'linear-std',
        await tunedLinearProbe(labelled(ctx.train, ctx.level), labelled(ctx.test, ctx.level), ctx.K, {
          features: 'std',
          seed: ctx.seed,
          signal: ctx.signal,
        }),
      ),
    ],
  },
  // One C for every method (probe.C, default 1): what `linear` was before C was chosen per run.
  'linear-fixed': {
    rows: ['linear-fixed'],
    run: async (ctx: ProbeContext) => [
      named(
        'linear-fixed',
        await linearProbe(labelled(ctx.train, ctx.level), labelled(ctx.test, ctx.level), ctx.K, {
          features: variant(ctx),
          C: ctx.settings.C,
          signal: ctx.signal,
        }),
      ),
    ],
  },
  knn: {
    rows: ['knn', 'knn-weighted'],
    run: (ctx: ProbeContext) =>
      knnProbe(labelled(ctx.train, ctx.level), labelled(ctx.test, ctx.level), ctx.K, {
        k: ctx.settings.k,
        signal: ctx.signal,
      }),
  },
  ncc: {
    rows: ['ncc'],
    run: async (ctx: ProbeContext) => [
      nccProbe(labelled(ctx.train, ctx.level), labelled(ctx.test, ctx.level), ctx.K, {
        normalise: ctx.settings.normalise,
      }),
    ],
  },
  // k-means recovers fine classes inside each coarse class: only meaningful at the fine level.
  kmeans: {
    rows: ['kmeans'],
    levels: ['fine'],
    run: async (ctx: ProbeContext) => [
      await kmeansProbe(ctx.test.features, ctx.test.fine, ctx.test.coarse, {
        seed: ctx.seed,
        normalise: ctx.settings.normalise,
        signal: ctx.signal,
      }),
    ],
  },
} satisfies Record<string, ProbeDefinition>;

export type ProbeName = keyof typeof PROBES;

/** The names a spec's `probe.probes` and `cone probe --probe` accept. */
export const PROBE_NAMES = Object.keys(PROBES) as ProbeName[];

/** Every probe.csv row name, in order. */
export const PROBE_ROWS: readonly string[] = Object.values(PROBES).flatMap((p) => p.rows);

/** The summary metric of a probe.csv row: `<level>.<row>` with '-' as '_' (e.g. fine.knn_weighted). */
export function probeMetric(level: string, row: string): string {
  return `${level}.${row.replace(/-/g, '_')}`;
}

/** The probe.csv rows a probe writes at a label level (none at a level it does not run at). */
export function probeRows(name: ProbeName, level: ProbeContext['level']): readonly string[] {
  const probe: ProbeDefinition = PROBES[name];
  return !probe.levels || probe.levels.includes(level) ? probe.rows : [];
}

export async function runProbe(name: ProbeName, ctx: ProbeContext): Promise<ProbeResult[]> {
  return probeRows(name, ctx.level).length ? PROBES[name].run(ctx) : [];
}
