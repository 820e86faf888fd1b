import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConeError, RunError } from '../errors.js';
import { readCsv } from '../io/csv.js';
import { compileSchema, readJsonFile } from '../io/json-file.js';
import { readNpyHeader, type NpyArray } from '../io/npy.js';
import { FEATURES_FILES, featureSplitFile, runPath, type RunFile } from '../io/run-layout.js';
import { runId, type RunKind } from '../config/hash.js';
import { resolveSpec } from '../config/load.js';
import type { Spec } from '../config/schema.js';
import { datasetClassCounts } from '../data/registry.js';
import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import { probeRows } from '../eval/probes/registry.js';
import { METRICS_COLUMNS } from '../train/trainer.js';
import { readFeaturesMeta } from './extract.js';
import { LONGTAIL_COLUMNS, PER_CLASS_COLUMNS, SPLIT_SCHEMA, type SplitFile } from './longtail-files.js';
import { ANGLE_BIN_DEG, ANGLES_COLUMNS, GEOMETRY_FILE_COLUMNS, PROBE_COLUMNS } from './probe-run.js';
import { probeColumn, trackedEpoch } from './trajectory.js';

/**
 * The derived-file rule (docs/design.md §8): a file of a run folder that derives from its spec,
 * checkpoint or features is used only when it is valid — it parses and has the columns and rows its
 * producer writes for this run's spec. The pipelines' "already done?" and the suite's summary both
 * ask here; an invalid file is rebuilt, and a file still invalid after its rebuild fails the run.
 */

/** The run a file belongs to: what its spec makes the producers write. */
export interface RunContext {
  spec: Spec;
  kind: RunKind;
}

/** A derived file of a run folder (`features`: the features/ folder extract writes). */
export type DerivedFile = Exclude<RunFile, 'manifest' | 'log' | 'checkpoint'>;

type Rows = Record<string, string>[];

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$|^-?Infinity$|^NaN$/i;
const isNumber = (text: string | undefined) => text !== undefined && NUMBER.test(text);
const SPLITS = ['train', 'test'] as const;
const LEVELS = ['coarse', 'fine'] as const;

interface CsvContract {
  columns: readonly string[];
  /** Columns that hold a number (NaN included) in every row. */
  numbers?: readonly string[];
  /** Columns that hold a number or nothing. */
  optionalNumbers?: readonly string[];
  /** What is wrong with the rows as a whole, or null. */
  rows?: (rows: Rows) => string | null;
}

function checkedCsv(file: string, c: CsvContract): Rows {
  if (!fs.existsSync(file)) throw new RunError(`${file}: missing`);
  const rows = readCsv(file);
  const fail = (what: string): never => {
    throw new RunError(`${file}: ${what}`);
  };
  if (!rows.length) fail('no rows');
  const absent = c.columns.filter((col) => !(col in rows[0]));
  if (absent.length) fail(`no column ${absent.join(', ')}`);
  rows.forEach((r, i) => {
    const bad =
      c.numbers?.find((col) => !isNumber(r[col])) ??
      c.optionalNumbers?.find((col) => r[col] !== '' && r[col] !== undefined && !isNumber(r[col]));
    if (bad !== undefined) fail(`row ${i + 1}: ${bad} is ${JSON.stringify(r[bad] ?? '')}, not a number`);
  });
  const problem = c.rows?.(rows);
  if (problem) fail(problem);
  return rows;
}

/** "no row for x, y" for the keys of `expected` (each row's key by `keyOf`) that no row has. */
function missingRows(rows: Rows, keyOf: (r: Record<string, string>) => string, expected: string[]): string | null {
  const have = new Set(rows.map(keyOf));
  const lacking = expected.filter((k) => !have.has(k));
  return lacking.length ? `no row for ${lacking.join(', ')}` : null;
}

/** A probe.csv row's probe: one written before C was chosen per run (no C_selection column) is today's `linear-fixed`. */
export function probeRowName(row: Record<string, string>): string {
  return row.probe === 'linear' && row.C_selection === undefined ? 'linear-fixed' : row.probe;
}

function checkSpecFile(file: string, { spec, kind }: RunContext): void {
  if (!fs.existsSync(file)) throw new RunError(`${file}: missing`);
  let other: string;
  try {
    other = runId(resolveSpec(YAML.parse(fs.readFileSync(file, 'utf8')), file), kind);
  } catch (e) {
    if (!(e instanceof ConeError) && !(e instanceof YAML.YAMLError)) throw e;
    throw new RunError(`${file}: not this run's spec (${e.message.split('\n')[0]})`);
  }
  if (other !== runId(spec, kind)) throw new RunError(`${file}: describes run ${other}, not ${runId(spec, kind)}`);
}

function checkMetrics(file: string, { spec }: RunContext): Rows {
  return checkedCsv(file, {
    columns: METRICS_COLUMNS,
    numbers: ['epoch', 'lr', 'train_loss', 'train_accuracy', 'seconds', 'images_per_s'],
    optionalNumbers: ['test_loss', 'test_accuracy'],
    rows: (rows) =>
      rows.length !== spec.epochs || rows.some((r, i) => Number(r.epoch) !== i + 1)
        ? `${rows.length} epochs, not epochs 1..${spec.epochs}`
        : null,
  });
}

function checkProbe(file: string, { spec }: RunContext): Rows {
  const { level, probes } = spec.probe;
  return checkedCsv(file, {
    columns: PROBE_COLUMNS,
    numbers: ['accuracy'],
    rows: (rows) =>
      missingRows(
        rows,
        (r) => `${probeRowName(r)} at ${r.level}`,
        probes.flatMap((p) => probeRows(p, level).map((row) => `${row} at ${level}`)),
      ),
  });
}

const geometryKeys = SPLITS.flatMap((s) => LEVELS.flatMap((l) => ['raw', 'l2'].map((f) => `${s} ${l} ${f}`)));
const GEOMETRY_NUMBERS = GEOMETRY_COLUMNS.filter((c) => c !== 'features');

function checkGeometry(file: string): Rows {
  return checkedCsv(file, {
    columns: GEOMETRY_FILE_COLUMNS,
    numbers: GEOMETRY_NUMBERS,
    rows: (rows) => missingRows(rows, (r) => `${r.split} ${r.level} ${r.features}`, geometryKeys),
  });
}

const BINS = Math.round(180 / ANGLE_BIN_DEG);

function checkAngles(file: string): Rows {
  return checkedCsv(file, {
    columns: ANGLES_COLUMNS,
    numbers: ['bin_start_deg', 'bin_end_deg', 'count'],
    rows: (rows) =>
      missingRows(
        rows,
        (r) => `${r.split} bin ${r.bin_start_deg}`,
        SPLITS.flatMap((s) => Array.from({ length: BINS }, (_, i) => `${s} bin ${i * ANGLE_BIN_DEG}`)),
      ),
  });
}

const fineClasses = (spec: Spec) => datasetClassCounts({ ...spec.dataset, seed: spec.seed }).fine;

function checkLongtail(file: string): Rows {
  return checkedCsv(file, {
    columns: LONGTAIL_COLUMNS,
    numbers: ['seed', 'imbalance', 'overall', 'n_many', 'n_medium', 'n_few'],
    optionalNumbers: ['many', 'medium', 'few'],
    rows: (rows) => (rows.length === 1 ? null : `${rows.length} rows, not 1`),
  });
}

function checkPerClass(file: string, { spec }: RunContext): Rows {
  const K = fineClasses(spec);
  return checkedCsv(file, {
    columns: PER_CLASS_COLUMNS,
    numbers: ['class', 'train_count', 'test_n'],
    optionalNumbers: ['accuracy'],
    rows: (rows) =>
      missingRows(
        rows,
        (r) => `class ${r.class}`,
        Array.from({ length: K }, (_, k) => `class ${k}`),
      ),
  });
}

const validateSplit = compileSchema<SplitFile>(SPLIT_SCHEMA);

function checkSplit(file: string, { spec }: RunContext): void {
  const split = readJsonFile(file, validateSplit);
  const K = fineClasses(spec);
  const sum = split.counts.reduce((a, b) => a + b, 0);
  if (split.counts.length !== K || split.class_order.length !== K)
    throw new RunError(`${file}: counts for ${split.counts.length} classes, not the ${K} fine classes`);
  if (sum !== split.n_train) throw new RunError(`${file}: counts sum to ${sum}, n_train says ${split.n_train}`);
}

/** The columns trajectory.csv has for a spec: epoch, split, level, the tracked probes' rows, the geometry. */
function trajectoryColumns(spec: Spec): string[] {
  const probes = new Set(LEVELS.flatMap((l) => spec.track.probes.flatMap((p) => probeRows(p, l).map(probeColumn))));
  return ['epoch', 'split', 'level', ...probes, ...GEOMETRY_COLUMNS];
}

function checkTrajectory(file: string, { spec }: RunContext): Rows {
  const columns = trajectoryColumns(spec);
  const epochs = Array.from({ length: spec.epochs }, (_, i) => i + 1).filter((e) =>
    trackedEpoch(e, spec.track.every, spec.epochs),
  );
  return checkedCsv(file, {
    columns,
    numbers: ['epoch'],
    optionalNumbers: columns.slice(3).filter((c) => c !== 'features'),
    rows: (rows) =>
      missingRows(
        rows,
        (r) => `epoch ${Number(r.epoch)} ${r.split} ${r.level}`,
        epochs.flatMap((e) => SPLITS.flatMap((s) => LEVELS.map((l) => `epoch ${e} ${s} ${l}`))),
      ),
  });
}

/** One .npy array's header against the dtype and shape extract writes. */
function checkArray(file: string, dtype: NpyArray['dtype'], shape: number[]): void {
  const h = readNpyHeader(file);
  if (h.dtype !== dtype || h.shape.join() !== shape.join())
    throw new RunError(`${file}: ${h.dtype} of shape [${h.shape}], expected ${dtype} of shape [${shape}]`);
}

/**
 * The features folder: meta.json, and the headers (dtype, shape, length) of the train and test
 * arrays and the classifier. Their values are checked by probe, which reads them whole.
 */
function checkFeatures(dir: string): void {
  const meta = readFeaturesMeta(dir)!;
  for (const split of SPLITS) {
    const n = meta.splits[split]?.n;
    if (n === undefined) throw new RunError(`${path.join(dir, FEATURES_FILES.meta)}: no ${split} split`);
    checkArray(featureSplitFile(dir, split), '<f4', [n, meta.d]);
    for (const labels of ['.fine', '.coarse']) checkArray(featureSplitFile(dir, split, labels), '<i4', [n]);
  }
  const K = (meta.train_level === 'fine' ? meta.fine_names : meta.coarse_names).length;
  checkArray(path.join(dir, FEATURES_FILES.classifier), '<f4', [K, meta.d]);
}

const CHECKS: Record<DerivedFile, (file: string, run: RunContext) => unknown> = {
  spec: checkSpecFile,
  metrics: checkMetrics,
  features: checkFeatures,
  probe: checkProbe,
  geometry: checkGeometry,
  angles: checkAngles,
  longtail: checkLongtail,
  perClass: checkPerClass,
  split: checkSplit,
  trajectory: checkTrajectory,
};

/** The derived files every training run writes: its spec, metrics.csv, and trajectory.csv when tracked. */
export function trainingFiles(spec: Spec): DerivedFile[] {
  return spec.track.every > 0 ? ['spec', 'metrics', 'trajectory'] : ['spec', 'metrics'];
}

/** One line per file of `files` that is not valid for this run ("<path>: <what is wrong>"). */
export function invalidRunFiles(runDir: string, files: readonly DerivedFile[], run: RunContext): string[] {
  return files.flatMap((f) => {
    try {
      CHECKS[f](runPath(runDir, f), run);
      return [];
    } catch (e) {
      if (!(e instanceof ConeError)) throw e;
      return [e.message];
    }
  });
}

/** The rows of a derived CSV file once checked; a RunError naming the file when it is not valid. */
export function readRunCsv(
  runDir: string,
  file: 'metrics' | 'probe' | 'geometry' | 'longtail' | 'trajectory',
  run: RunContext,
): Rows {
  return CHECKS[file](runPath(runDir, file), run) as Rows;
}
