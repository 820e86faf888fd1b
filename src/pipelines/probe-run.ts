import fs from 'node:fs';
import path from 'node:path';
import { withCpuBackend } from '../backend/select.js';
import { RunError } from '../errors.js';
import { writeCsv, columnsOf, type Row } from '../io/csv.js';
import { readNpy } from '../io/npy.js';
import type { Spec } from '../config/schema.js';
import { readFeaturesMeta, type FeaturesMeta } from './extract.js';
import { countNonFinite, type FeatureMatrix } from '../eval/features.js';
import {
  classAngles,
  GEOMETRY_COLUMNS,
  geometryRows,
  type GeometryOptions,
  type GeometryRow,
} from '../eval/geometry.js';
import type { ProbeResult } from '../eval/probes/probe-result.js';
import { runProbe } from '../eval/probes/registry.js';
import { FEATURES_FILES, featureSplitFile, probeOutputs } from '../io/run-layout.js';
import { interruptionPoint } from '../util/interruption.js';
import { SILENT, type Reporter } from '../reporter.js';

export type ProbeSettings = Spec['probe'];

export interface SplitFeatures {
  features: FeatureMatrix;
  fine: Int32Array;
  coarse: Int32Array;
}

/** Number of classes at each label level. */
export type ClassCounts = Record<'fine' | 'coarse', number>;

/** The classifier of a run as the geometry metrics take it. */
export type GeometryHead = Pick<GeometryOptions, 'classifier' | 'etf' | 'thetaDeg'>;

export interface ProbeReport {
  featuresDir: string;
  meta: FeaturesMeta;
  probes: Row[];
  geometry: Row[];
  /** Where probe.csv, geometry.csv and angles.csv were written. */
  files: string[];
}

/** Bin width of angles.csv, in degrees. */
export const ANGLE_BIN_DEG = 2;

/** The first columns of probe.csv; each probe's settings follow. */
export const PROBE_COLUMNS = ['run_id', 'dataset', 'method', 'seed', 'probe', 'level', 'accuracy'] as const;
export const GEOMETRY_FILE_COLUMNS = ['run_id', 'split', 'level', ...GEOMETRY_COLUMNS];
export const ANGLES_COLUMNS = ['split', 'level', 'bin_start_deg', 'bin_end_deg', 'count'];

function readSplit(dir: string, split: string, meta: FeaturesMeta): SplitFeatures {
  const file = (suffix: string) => featureSplitFile(dir, split, suffix);
  if (!fs.existsSync(file(''))) {
    throw new RunError(
      `${file('')}: not found; run cone extract --run <run folder> --split both (probes fit on train, score on test)`,
    );
  }
  const x = readNpy(file(''));
  if (x.dtype !== '<f4' || x.shape.length !== 2)
    throw new RunError(`${file('')}: expected a float32 N×d array (got ${x.dtype} of shape [${x.shape}])`);
  const [n, d] = x.shape;
  if (d !== meta.d) throw new RunError(`${file('')}: d = ${d}, but meta.json says ${meta.d}`);
  refuseNonFinite(x.data as Float32Array, file(''));
  const labels = (suffix: string): Int32Array => {
    const y = readNpy(file(suffix));
    if (y.dtype !== '<i4' || y.shape.length !== 1)
      throw new RunError(`${file(suffix)}: expected int32 labels of shape [N] (got ${y.dtype} of shape [${y.shape}])`);
    if (y.shape[0] !== n) throw new RunError(`${file(suffix)}: ${y.shape[0]} labels for the ${n} rows of ${file('')}`);
    return y.data as Int32Array;
  };
  return { features: { data: x.data as Float32Array, n, d }, fine: labels('.fine'), coarse: labels('.coarse') };
}

/** NaN or Inf would silently turn every probe and metric into nonsense. */
function refuseNonFinite(values: Float32Array, file: string): void {
  const bad = countNonFinite(values);
  if (bad > 0)
    throw new RunError(
      `${file}: ${bad} of ${values.length} values are not finite (NaN or ±Inf); extract the features again from a run that trained without diverging`,
    );
}

/** The ETF rows (with the cone's θ) or a learnt linear head with its bias. */
export function geometryHead(
  W: Float32Array,
  kind: FeaturesMeta['classifier'],
  thetaDeg: number | null,
  bias?: Float32Array,
): GeometryHead {
  return kind === 'etf' ? { etf: W, thetaDeg: thetaDeg ?? undefined } : { classifier: { W, b: bias } };
}

function classifierOf(dir: string, meta: FeaturesMeta): GeometryHead {
  const file = path.join(dir, FEATURES_FILES.classifier);
  const W = readNpy(file);
  if (W.dtype !== '<f4') throw new RunError(`${file}: expected float32`);
  refuseNonFinite(W.data as Float32Array, file);
  const biasFile = path.join(dir, FEATURES_FILES.classifierBias);
  const b =
    meta.classifier === 'linear' && fs.existsSync(biasFile) ? (readNpy(biasFile).data as Float32Array) : undefined;
  if (b) refuseNonFinite(b, biasFile);
  return geometryHead(W.data as Float32Array, meta.classifier, meta.theta, b);
}

function classCounts(meta: FeaturesMeta): ClassCounts {
  return { fine: meta.fine_names.length, coarse: meta.coarse_names.length };
}

/**
 * Fits the probes of `s` on `train` and scores them on `test` at level `s.level`; `signal` stops them.
 * They run on a CPU backend by design (withCpuBackend): they are small and read results back every
 * iteration.
 */
export async function runProbes(
  train: SplitFeatures,
  test: SplitFeatures,
  classes: ClassCounts,
  seed: number,
  s: Pick<ProbeSettings, 'probes' | 'level' | 'C' | 'normalise' | 'k'>,
  signal?: AbortSignal,
): Promise<ProbeResult[]> {
  return withCpuBackend(async () => {
    const results: ProbeResult[] = [];
    for (const name of s.probes)
      results.push(
        ...(await runProbe(name, { train, test, level: s.level, K: classes[s.level], seed, settings: s, signal })),
      );
    return results;
  });
}

/** Geometry rows of one split at both label levels, both feature variants; the head's directions only count at the level it was trained on. */
export function splitGeometry(
  data: SplitFeatures,
  classes: ClassCounts,
  trainLevel: 'fine' | 'coarse',
  head: GeometryHead,
): ({ level: 'fine' | 'coarse' } & GeometryRow)[] {
  return (['coarse', 'fine'] as const).flatMap((level) =>
    geometryRows(data.features, data[level], classes[level], level === trainLevel ? head : {}).map((g) => ({
      level,
      ...g,
    })),
  );
}

/** Histogram of the angle between each feature and its class direction, in ANGLE_BIN_DEG bins over [0, 180]. */
export function angleHistogram(angles: number[]): { bin_start_deg: number; bin_end_deg: number; count: number }[] {
  const bins = Math.round(180 / ANGLE_BIN_DEG);
  const counts = new Array<number>(bins).fill(0);
  for (const a of angles) counts[Math.min(bins - 1, Math.floor(a / ANGLE_BIN_DEG))]++;
  return counts.map((count, i) => ({ bin_start_deg: i * ANGLE_BIN_DEG, bin_end_deg: (i + 1) * ANGLE_BIN_DEG, count }));
}

/**
 * A cone-method run none of whose training features lies within θ of its class direction
 * (in_cone_frac 0 at the level it trained on) did not do what its loss asks; its numbers would
 * otherwise pass for a cone's. The warning for such a report, else null.
 */
export function outsideConeWarning({ meta, geometry }: Pick<ProbeReport, 'meta' | 'geometry'>): string | null {
  if (meta.theta === null) return null;
  const train = geometry.find((g) => g.split === 'train' && g.level === meta.train_level && g.features === 'l2');
  if (train?.in_cone_frac !== 0) return null;
  return `${meta.run_id}: no training feature lies inside its cone (in_cone_frac 0% at θ = ${meta.theta}°); train longer, or with a larger method.theta or optimizer.lr`;
}

/**
 * `cone probe` for one features folder: fit the probes on the train split, score them on the test
 * split, compute the feature geometry of both splits at both label levels, and write probe.csv,
 * geometry.csv and angles.csv beside the features. Everything is computed before anything is written.
 * A cone-method run whose features never entered the cone is warned about through `reporter`.
 */
export async function probeFeatures(
  featuresDir: string,
  settings: ProbeSettings,
  signal?: AbortSignal,
  reporter: Reporter = SILENT,
): Promise<ProbeReport> {
  const meta = readFeaturesMeta(featuresDir)!;
  const train = readSplit(featuresDir, 'train', meta);
  const test = readSplit(featuresDir, 'test', meta);
  const head = classifierOf(featuresDir, meta);
  const id = { run_id: meta.run_id, dataset: meta.dataset, method: meta.method, seed: meta.seed };

  const probes: Row[] = (await runProbes(train, test, classCounts(meta), meta.seed, settings, signal)).map((r) => ({
    ...id,
    probe: r.probe,
    level: settings.level,
    accuracy: r.accuracy,
    ...r.settings,
  }));

  const geometry: Row[] = [];
  const angles: Row[] = [];
  for (const [split, data] of [
    ['train', train],
    ['test', test],
  ] as const) {
    await interruptionPoint(signal);
    for (const g of splitGeometry(data, classCounts(meta), meta.train_level, head))
      geometry.push({ run_id: meta.run_id, split, ...g });
    const directions = head.etf ?? head.classifier!.W;
    const a = classAngles(data.features, data[meta.train_level], Float64Array.from(directions));
    for (const bin of angleHistogram(a)) angles.push({ split, level: meta.train_level, ...bin });
  }

  const out = probeOutputs(featuresDir);
  const files = [out.probe, out.geometry, out.angles];
  writeCsv(files[0], probes, [...new Set([...PROBE_COLUMNS, ...columnsOf(probes)])]);
  writeCsv(files[1], geometry, GEOMETRY_FILE_COLUMNS);
  writeCsv(files[2], angles, ANGLES_COLUMNS);
  const warning = outsideConeWarning({ meta, geometry });
  if (warning) reporter.warn(warning);
  return { featuresDir, meta, probes, geometry, files };
}
