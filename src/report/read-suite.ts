import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { RunError } from '../errors.js';
import { readCsv } from '../io/csv.js';
import { pathSegmentProblem } from '../io/path-segment.js';
import { readManifest } from '../io/manifest.js';
import { runPath, SUITE_FILES, SUMMARY_COLUMNS } from '../io/run-layout.js';

/** One row of summary.csv (one cell and metric); columns as in docs/design.md (suite folder). */
export interface SummaryRow {
  suite: string;
  cell: string;
  pipeline: string;
  dataset: string;
  method: string;
  seed: string;
  /** JSON of the grid fields that vary, '' or '{}' when none. */
  overrides: string;
  run_id: string;
  metric: string;
  value: number;
}

/** One bin of a run's angles.csv histogram. */
export interface AngleBin {
  split: string;
  level: string;
  start: number;
  end: number;
  count: number;
}

/** One epoch of a run's metrics.csv; NaN where the run left the cell empty (e.g. no evaluation that epoch). */
export interface EpochRow {
  epoch: number;
  trainLoss: number;
  testAccuracy: number;
}

/** One row of a run's trajectory.csv (collapse over training): its metric columns as numbers, NaN where empty. */
export interface TrajectoryRow {
  epoch: number;
  split: string;
  level: string;
  values: Record<string, number>;
}

/** What the report knows of one run folder `runs/<run_id>/`. */
export interface RunFiles {
  runId: string;
  /** The summary row that names this run (dataset, method, seed, overrides). */
  cell: SummaryRow;
  epochs: EpochRow[] | null;
  angles: AngleBin[] | null;
  /** Cone half-angle in degrees from the run's resolved spec.yaml (`method.theta`), null for methods without one. */
  thetaDeg: number | null;
  trajectory: TrajectoryRow[] | null;
  /** The label level the run trained on (spec.yaml `dataset.level`, coarse when not given). */
  trainLevel: string;
  /** A run folder of the suite not (yet) in summary.csv: its manifest status (running, interrupted, failed, done). */
  unfinished: string | null;
}

export interface SuiteData {
  dir: string;
  name: string;
  rows: SummaryRow[];
  runs: RunFiles[];
  /** Files the report expected but could not use, one human-readable line each. */
  notes: string[];
}

function num(s: string | undefined): number {
  // Empty cells mean "not measured"; Number('') would be 0.
  return s === undefined || s.trim() === '' ? NaN : Number(s);
}

/** summary.csv's rows; none when it is not there yet (a suite whose first cell is running). */
function readSummary(file: string): SummaryRow[] {
  if (!fs.existsSync(file)) return [];
  const raw = readCsv(file);
  const missing = SUMMARY_COLUMNS.filter((c) => raw.length > 0 && !(c in raw[0]));
  if (missing.length > 0)
    throw new RunError(`${file}: missing column(s) ${missing.join(', ')}; expected ${SUMMARY_COLUMNS.join(', ')}`);
  // A run id names a folder under runs/: a damaged file must not send the report to read another folder.
  raw.forEach((r, i) => {
    const problem = r.run_id ? pathSegmentProblem(r.run_id) : null;
    if (problem)
      throw new RunError(
        `${file}: row ${i + 1}: run_id ${problem}; the file is damaged, \`cone run <suite.yaml>\` rewrites it`,
      );
  });
  return raw.map((r) => ({ ...(r as unknown as Omit<SummaryRow, 'value'>), value: num(r.value) }));
}

function readEpochs(file: string): EpochRow[] {
  return readCsv(file).map((r) => ({
    epoch: num(r.epoch),
    trainLoss: num(r.train_loss),
    testAccuracy: num(r.test_accuracy),
  }));
}

function readAngles(file: string): AngleBin[] {
  return readCsv(file).map((r) => ({
    split: r.split,
    level: r.level,
    start: num(r.bin_start_deg),
    end: num(r.bin_end_deg),
    count: num(r.count),
  }));
}

function readTrajectory(file: string): TrajectoryRow[] {
  return readCsv(file).map(({ epoch, split, level, ...rest }) => ({
    epoch: num(epoch),
    split,
    level,
    values: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, num(v)])),
  }));
}

type SpecFacts = { method?: { theta?: unknown }; dataset?: { level?: unknown } } | null;

function readTheta(file: string): number | null {
  const theta = (YAML.parse(fs.readFileSync(file, 'utf8')) as SpecFacts)?.method?.theta;
  return typeof theta === 'number' && Number.isFinite(theta) ? theta : null;
}

function readLevel(file: string): string | null {
  const level = (YAML.parse(fs.readFileSync(file, 'utf8')) as SpecFacts)?.dataset?.level;
  return level === 'fine' || level === 'coarse' ? level : null;
}

/** Read one optional file of a run folder; a missing or unreadable file becomes a note, not a failure. */
function optional<T>(file: string, read: (f: string) => T, notes: string[]): T | null {
  if (!fs.existsSync(file)) return null;
  try {
    return read(file);
  } catch (e) {
    notes.push(`${file}: skipped (${(e as Error).message})`);
    return null;
  }
}

type SpecCell = { dataset?: { name?: unknown }; method?: { name?: unknown }; seed?: unknown } | null;

/** A value at a dotted spec path (`method.theta`), undefined where the spec has none. */
function atPath(spec: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), spec);
}

/**
 * The summary row that a finished cell would have, for a run folder not in summary.csv, from its
 * spec.yaml and manifest: grid overrides are the summary's grid columns that its spec has, so it
 * joins its group (method and grid values) in every chart.
 */
function unfinishedCell(dir: string, runId: string, summary: SummaryRow[], suite: string): SummaryRow | null {
  const manifest = readManifest(dir);
  const specFile = runPath(dir, 'spec');
  if (!manifest || !fs.existsSync(specFile)) return null;
  const spec = YAML.parse(fs.readFileSync(specFile, 'utf8')) as SpecCell;
  // summary.csv's grid columns are those besides the fixed ones (docs/design.md §8).
  const gridKeys = Object.keys(summary[0] ?? {})
    .filter((k) => !(SUMMARY_COLUMNS as readonly string[]).includes(k))
    .map((k) => k.replace(/^grid:/, ''));
  const overrides = Object.fromEntries(
    gridKeys.map((k) => [k, atPath(spec, k)] as const).filter(([, v]) => v !== undefined),
  );
  return {
    suite,
    cell: '',
    // A suite has one pipeline; before summary.csv has rows, the run's kind says which.
    pipeline: summary[0]?.pipeline ?? (manifest.kind === 'longtail' ? 'longtail' : 'transfer'),
    dataset: String(spec?.dataset?.name ?? ''),
    method: String(spec?.method?.name ?? ''),
    seed: String(spec?.seed ?? ''),
    overrides: JSON.stringify(overrides),
    run_id: runId,
    metric: '',
    value: NaN,
  };
}

/**
 * Read summary.csv of a suite folder and, for every run it names, the run's per-epoch metrics, angle
 * histogram, θ and trajectory; run folders it does not name yet (a suite still running) come after,
 * with their files so far and `unfinished` set.
 */
export function readSuite(suiteDir: string): SuiteData {
  const summaryFile = path.join(suiteDir, SUITE_FILES.summaryCsv);
  const rows = readSummary(summaryFile);
  const name = rows[0]?.suite || path.basename(path.resolve(suiteDir));
  const notes: string[] = [];
  const firstRowOfRun = new Map<string, SummaryRow>();
  for (const r of rows) if (r.run_id && !firstRowOfRun.has(r.run_id)) firstRowOfRun.set(r.run_id, r);
  const runsDir = path.join(suiteDir, SUITE_FILES.runs);
  const unfinished = (fs.existsSync(runsDir) ? fs.readdirSync(runsDir).sort() : [])
    .filter((id) => !firstRowOfRun.has(id))
    .map((id) => unfinishedCell(path.join(runsDir, id), id, rows, name))
    .filter((c): c is SummaryRow => c !== null);
  if (rows.length === 0 && unfinished.length === 0)
    throw new RunError(
      fs.existsSync(summaryFile)
        ? `${summaryFile}: no rows and no runs yet; run the suite first (cone run <suite.yaml>)`
        : `${summaryFile}: no summary.csv here; give a suite folder that \`cone run\` wrote (results/<suite>/)`,
    );
  const listed = [
    ...[...firstRowOfRun.entries()].map(([runId, cell]) => ({ runId, cell, finished: true })),
    ...unfinished.map((cell) => ({ runId: cell.run_id, cell, finished: false })),
  ];
  const runs = listed.map(({ runId, cell, finished }): RunFiles => {
    const dir = path.join(runsDir, runId);
    if (!fs.existsSync(dir)) notes.push(`${dir}: run folder not found; its per-epoch curves and angles are not shown`);
    return {
      runId,
      cell,
      epochs: optional(runPath(dir, 'metrics'), readEpochs, notes),
      angles: optional(runPath(dir, 'angles'), readAngles, notes),
      thetaDeg: optional(runPath(dir, 'spec'), readTheta, notes),
      trajectory: optional(runPath(dir, 'trajectory'), readTrajectory, notes),
      trainLevel: optional(runPath(dir, 'spec'), readLevel, []) ?? 'coarse',
      unfinished: finished ? null : (readManifest(dir)?.status ?? 'running'),
    };
  });
  return { dir: suiteDir, name, rows, runs, notes };
}

/** Runs split by pipeline (pretrain, longtail, ...) in first-seen order: their runs train on different data. */
export function runsByPipeline(runs: RunFiles[]): Map<string, RunFiles[]> {
  const out = new Map<string, RunFiles[]>();
  for (const r of runs) out.set(r.cell.pipeline, [...(out.get(r.cell.pipeline) ?? []), r]);
  return out;
}
