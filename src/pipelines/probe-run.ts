import fs from 'node:fs';
import path from 'node:path';
import { RunError } from '../errors.js';
import { writeCsv, columnsOf, type Row } from '../io/csv.js';
import { readNpy } from '../io/npy.js';
import type { Spec } from '../config/schema.js';
import { readFeaturesMeta, type FeaturesMeta } from './extract.js';
import { countNonFinite, type FeatureMatrix } from '../eval/features.js';
import { classAngles, GEOMETRY_COLUMNS, geometryRows, type GeometryOptions } from '../eval/geometry.js';
import type { ProbeResult } from '../eval/probes/probe-result.js';
import { runProbe } from '../eval/probes/registry.js';
import { FEATURES_FILES, featureSplitFile, probeOutputs } from '../io/run-layout.js';

export type ProbeSettings = Spec['probe'];

interface SplitFeatures {
  features: FeatureMatrix;
  fine: Int32Array;
  coarse: Int32Array;
}

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

function readSplit(dir: string, split: string, meta: FeaturesMeta): SplitFeatures {
  const file = (suffix: string) => featureSplitFile(dir, split, suffix);
  if (!fs.existsSync(file(''))) {
    throw new RunError(`${file('')}: not found; run cone extract --run <run folder> --split both (probes fit on train, score on test)`);
  }
  const x = readNpy(file(''));
  if (x.dtype !== '<f4' || x.shape.length !== 2) throw new RunError(`${file('')}: expected a float32 N×d array (got ${x.dtype} of shape [${x.shape}])`);
  const [n, d] = x.shape;
  if (d !== meta.d) throw new RunError(`${file('')}: d = ${d}, but meta.json says ${meta.d}`);
  refuseNonFinite(x.data as Float32Array, file(''));
  const labels = (suffix: string): Int32Array => {
    const y = readNpy(file(suffix));
    if (y.dtype !== '<i4' || y.shape.length !== 1) throw new RunError(`${file(suffix)}: expected int32 labels of shape [N] (got ${y.dtype} of shape [${y.shape}])`);
    if (y.shape[0] !== n) throw new RunError(`${file(suffix)}: ${y.shape[0]} labels for the ${n} rows of ${file('')}`);
    return y.data as Int32Array;
  };
  return { features: { data: x.data as Float32Array, n, d }, fine: labels('.fine'), coarse: labels('.coarse') };
}

/** NaN or Inf would silently turn every probe and metric into nonsense. */
function refuseNonFinite(values: Float32Array, file: string): void {
  const bad = countNonFinite(values);
  if (bad > 0) throw new RunError(`${file}: ${bad} of ${values.length} values are not finite (NaN or ±Inf); extract the features again from a run that trained without diverging`);
}

function classifierOf(dir: string, meta: FeaturesMeta): Pick<GeometryOptions, 'classifier' | 'etf' | 'thetaDeg'> {
  const W = readNpy(path.join(dir, FEATURES_FILES.classifier));
  if (W.dtype !== '<f4') throw new RunError(`${path.join(dir, FEATURES_FILES.classifier)}: expected float32`);
  refuseNonFinite(W.data as Float32Array, path.join(dir, FEATURES_FILES.classifier));
  if (meta.classifier === 'etf') return { etf: W.data as Float32Array, thetaDeg: meta.theta ?? undefined };
  const biasFile = path.join(dir, FEATURES_FILES.classifierBias);
  const b = fs.existsSync(biasFile) ? (readNpy(biasFile).data as Float32Array) : undefined;
  if (b) refuseNonFinite(b, biasFile);
  return { classifier: { W: W.data as Float32Array, b } };
}

function runProbes(train: SplitFeatures, test: SplitFeatures, meta: FeaturesMeta, s: ProbeSettings): ProbeResult[] {
  const K = s.level === 'fine' ? meta.fine_names.length : meta.coarse_names.length;
  return s.probes.flatMap((name) => runProbe(name, { train, test, level: s.level, K, seed: meta.seed, settings: s }));
}

/** Histogram of the angle between each feature and its class direction, in ANGLE_BIN_DEG bins over [0, 180]. */
export function angleHistogram(angles: number[]): { bin_start_deg: number; bin_end_deg: number; count: number }[] {
  const bins = Math.round(180 / ANGLE_BIN_DEG);
  const counts = new Array<number>(bins).fill(0);
  for (const a of angles) counts[Math.min(bins - 1, Math.floor(a / ANGLE_BIN_DEG))]++;
  return counts.map((count, i) => ({ bin_start_deg: i * ANGLE_BIN_DEG, bin_end_deg: (i + 1) * ANGLE_BIN_DEG, count }));
}

/**
 * `cone probe` for one features folder: fit the probes on the train split, score them on the test
 * split, compute the feature geometry of both splits at both label levels, and write probe.csv,
 * geometry.csv and angles.csv beside the features. Everything is computed before anything is written.
 */
export function probeFeatures(featuresDir: string, settings: ProbeSettings): ProbeReport {
  const meta = readFeaturesMeta(featuresDir)!;
  const train = readSplit(featuresDir, 'train', meta);
  const test = readSplit(featuresDir, 'test', meta);
  const head = classifierOf(featuresDir, meta);
  const id = { run_id: meta.run_id, dataset: meta.dataset, method: meta.method, seed: meta.seed };

  const probes: Row[] = runProbes(train, test, meta, settings).map((r) => ({ ...id, probe: r.probe, level: settings.level, accuracy: r.accuracy, ...r.settings }));

  const geometry: Row[] = [];
  const angles: Row[] = [];
  for (const [split, data] of [['train', train], ['test', test]] as const) {
    for (const level of ['coarse', 'fine'] as const) {
      const K = level === 'fine' ? meta.fine_names.length : meta.coarse_names.length;
      // The run's classifier only has directions for the classes it was trained on.
      const opts = level === meta.train_level ? head : {};
      for (const g of geometryRows(data.features, data[level], K, opts)) geometry.push({ run_id: meta.run_id, split, level, ...g });
    }
    const directions = head.etf ?? head.classifier!.W;
    const a = classAngles(data.features, data[meta.train_level], Float64Array.from(directions));
    for (const bin of angleHistogram(a)) angles.push({ split, level: meta.train_level, ...bin });
  }

  const out = probeOutputs(featuresDir);
  const files = [out.probe, out.geometry, out.angles];
  writeCsv(files[0], probes, columnsOf(probes));
  writeCsv(files[1], geometry, ['run_id', 'split', 'level', ...GEOMETRY_COLUMNS]);
  writeCsv(files[2], angles, ['split', 'level', 'bin_start_deg', 'bin_end_deg', 'count']);
  return { featuresDir, meta, probes, geometry, files };
}
