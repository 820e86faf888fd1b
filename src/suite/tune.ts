import path from 'node:path';
import { resolveSpec, setPath, SpecError } from '../config/load.js';
import { UsageError } from '../errors.js';
import { runId } from '../config/hash.js';
import { readManifest } from '../io/manifest.js';
import { SUITE_FILES } from '../io/run-layout.js';
import { readRunCsv } from '../pipelines/run-files.js';
import { invalidRunOutputs } from '../pipelines/training-run.js';
import { overridesKey } from './aggregate.js';
import { expandSuite, MAX_SUITE_CELLS, type Cell } from './expand.js';
import type { Suite, Tune } from './schema.js';

type ExpandOptions = Parameters<typeof expandSuite>[1];

/** One tuning run: a value set of the tuned fields, trained with one tune seed. */
export interface TuningTrial {
  cell: Cell;
  seed: number;
  /** The tune metric on the validation split after the last epoch; null until the run is done. */
  score: number | null;
  /** The other of validation accuracy and loss, which breaks a tie. */
  tieBreak: number | null;
  /** Its loss stopped being finite: scored NaN, the worst (trainer's DivergedError). */
  diverged: boolean;
}

/** One value set of the tuned fields (those the group's method has) and its trials over the tune seeds. */
export interface TuningCandidate {
  values: Record<string, unknown>;
  trials: TuningTrial[];
  /** Mean score over the tune seeds; null until every trial is done. */
  mean: number | null;
  tieMean: number | null;
}

/** A group of the grid (its cells differ only by seed), tuned on its own. */
export interface TuningGroup {
  dataset: string;
  method: string;
  /** The group's grid values other than dataset, method and seed (as a main cell's `overrides`). */
  overrides: Record<string, unknown>;
  /** The values tried of each tuned field the method has, in the order listed. */
  ranges: Record<string, unknown[]>;
  candidates: TuningCandidate[];
  /** The best candidate once every trial of the group is done; null before, or when every candidate diverged. */
  chosen: TuningCandidate | null;
  /** Tuned fields whose chosen value is the lowest or highest number tried (of two or more): widen the range. */
  edges: Record<string, 'low' | 'high'>;
}

/** A suite's cells as far as they are known now. */
export interface SuitePlan {
  /** The tuning cells first, then the main cells whose group has its tuned values (every main cell without `tune:`). */
  cells: Cell[];
  /** One per group of the grid; empty without `tune:`. */
  tuning: TuningGroup[];
  /** Main cells that wait for their group's tuning to finish (their run ids depend on the values it chooses). */
  waiting: number;
}

/** Which metrics.csv column a tune metric reads (a tuning run's test_* columns are its validation split's). */
function metricColumns(metric: Tune['metric']): { column: string; tie: string; higher: boolean } {
  return metric.endsWith('accuracy')
    ? { column: 'test_accuracy', tie: 'test_loss', higher: true }
    : { column: 'test_loss', tie: 'test_accuracy', higher: false };
}

function groupKey(dataset: string, method: string, overrides: Record<string, unknown>): string {
  return `${dataset}|${method}|${overridesKey(overrides)}`;
}

function without(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** A cell with spec fields set after expansion (and so its run id and folder renewed). */
function withFields(cell: Cell, fields: Record<string, unknown>, source: string): Cell {
  const raw = structuredClone(cell.spec) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) setPath(raw, key, value);
  const spec = resolveSpec(raw, source);
  const id = runId(spec, 'pretrain');
  return { ...cell, spec, runId: id, runDir: path.join(path.dirname(cell.runDir), id) };
}

/** A tuning run whose loss diverged: a result of its settings (they lose), not a fault to run again. */
function divergedRun(cell: Cell): boolean {
  const m = readManifest(cell.runDir);
  return m?.status === 'failed' && m.details.diverged === true;
}

/** A tuning run is done when its training is (a tuning cell is pretraining alone), or diverged. */
export function tuningCellDone(cell: Cell): boolean {
  if (divergedRun(cell)) return true;
  return (
    readManifest(cell.runDir)?.status === 'done' &&
    !invalidRunOutputs(cell.runDir, { spec: cell.spec, kind: 'pretrain' }).length
  );
}

function trialScore(cell: Cell, metric: Tune['metric']): Pick<TuningTrial, 'score' | 'tieBreak' | 'diverged'> {
  if (divergedRun(cell)) return { score: NaN, tieBreak: NaN, diverged: true };
  if (!tuningCellDone(cell)) return { score: null, tieBreak: null, diverged: false };
  const rows = readRunCsv(cell.runDir, 'metrics', { spec: cell.spec, kind: 'pretrain' });
  const last = rows[rows.length - 1];
  const { column, tie } = metricColumns(metric);
  return { score: Number(last[column]), tieBreak: Number(last[tie]), diverged: false };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * The best candidate by mean score over the tune seeds (highest accuracy or lowest loss; NaN, a
 * diverged seed, is worst),
 * a tie broken by the other of the two (lower loss, or higher accuracy), then by the order listed.
 */
function best(candidates: TuningCandidate[], metric: Tune['metric']): TuningCandidate {
  const { higher } = metricColumns(metric);
  const key = (x: number | null, up: boolean) => (x === null || Number.isNaN(x) ? -Infinity : up ? x : -x);
  return candidates.reduce((a, b) => {
    const [ka, kb] = [key(a.mean, higher), key(b.mean, higher)];
    if (kb !== ka) return kb > ka ? b : a;
    return key(b.tieMean, !higher) > key(a.tieMean, !higher) ? b : a;
  });
}

/** The tuned fields whose chosen value is the lowest or highest of two or more numbers tried. */
export function edgesOf(
  ranges: Record<string, unknown[]>,
  chosen: Record<string, unknown>,
): Record<string, 'low' | 'high'> {
  const edges: Record<string, 'low' | 'high'> = {};
  for (const [field, tried] of Object.entries(ranges)) {
    const numbers = [...new Set(tried)].filter((v): v is number => typeof v === 'number');
    if (numbers.length < 2 || numbers.length !== new Set(tried).size || typeof chosen[field] !== 'number') continue;
    if (chosen[field] === Math.min(...numbers)) edges[field] = 'low';
    else if (chosen[field] === Math.max(...numbers)) edges[field] = 'high';
  }
  return edges;
}

/** The tuning runs of a suite: every group of the grid (without seed) × every tuned value set × every tune seed. */
function tuningCells(suite: Suite, tune: Tune, opts: ExpandOptions): Cell[] {
  const { seed: _, ...groups } = suite.grid;
  const tuningSuite: Suite = { ...suite, grid: { ...groups, ...tune.fields, seed: tune.seeds } };
  const source = `${suite.file}: tune`;
  return expandSuite(tuningSuite, { ...opts, folder: SUITE_FILES.tuning }).map((c) => ({
    ...withFields(
      c,
      // The tune budget, the validation split in place of the test split, no tracking (nothing reads it).
      { epochs: tune.epochs ?? c.spec.epochs, 'dataset.validation': tune.validation, 'track.every': 0 },
      source,
    ),
    tuning: true,
  }));
}

function checkTuningCells(suite: Suite, tune: Tune, cells: Cell[]): void {
  const level = tune.metric.split('.')[0];
  const other = cells.find((c) => c.spec.dataset.level !== level);
  if (other)
    throw new SpecError([
      `${suite.file}: tune.metric: ${tune.metric} is measured at the ${level} level, but the cells train at the ${other.spec.dataset.level} level (dataset.level); use ${other.spec.dataset.level}.val_accuracy or ${other.spec.dataset.level}.val_loss`,
    ]);
  const methods = [...new Set(cells.map((c) => c.spec.method.name))];
  for (const field of Object.keys(tune.fields))
    if (!cells.some((c) => field in c.overrides))
      throw new SpecError([
        `${suite.file}: tune.fields.${field}: none of the methods of the grid has it (${methods.join(', ')}); remove it`,
      ]);
}

/**
 * The cells of a suite as far as they are known: without `tune:`, the grid's cells. With it, the
 * tuning cells, and the main cells of each group whose tuning runs are all done, with the chosen
 * values in their specs (so their run ids name them); the main cells of the other groups wait.
 */
export function planSuite(suite: Suite, opts: ExpandOptions): SuitePlan {
  const { tune } = suite;
  if (!tune) return { cells: expandSuite(suite, opts), tuning: [], waiting: 0 };
  const sizes = (grid: Record<string, unknown[]>) => Object.values(grid).reduce((n, v) => n * v.length, 1);
  const main = sizes(suite.grid);
  const tuning = (main / (suite.grid.seed?.length ?? 1)) * sizes(tune.fields) * tune.seeds.length;
  if (main + tuning > MAX_SUITE_CELLS)
    throw new SpecError([
      `${suite.file}: tune: ${main} grid cells and ${tuning} tuning cells are over the ${MAX_SUITE_CELLS} a suite may have; try fewer values or split the suite`,
    ]);
  // A command-line value of a tuned field would lose to the value chosen for it; seed and the
  // validation split are the tuning's own (tune.seeds, tune.validation).
  const own = [...Object.keys(tune.fields), 'seed', 'dataset.validation'];
  const clash = opts.overrides?.find((o) => own.some((f) => f === o.path || f.startsWith(`${o.path}.`)));
  if (clash)
    throw new UsageError(
      `${clash.from}: ${suite.file} tunes it (tune.fields, tune.seeds, tune.validation); change it in the suite file instead`,
    );
  const mainCells = expandSuite(suite, opts);
  const trialCells = tuningCells(suite, tune, opts);
  checkTuningCells(suite, tune, trialCells);

  const fields = Object.keys(tune.fields);
  const groups = new Map<string, TuningGroup>();
  const unique = new Map<string, Cell>();
  for (const cell of trialCells) {
    const [dataset, method] = [cell.spec.dataset.name, cell.spec.method.name];
    const overrides = without(cell.overrides, fields);
    const key = groupKey(dataset, method, overrides);
    if (!groups.has(key))
      groups.set(key, {
        dataset,
        method,
        overrides,
        ranges: Object.fromEntries(Object.entries(tune.fields).filter(([f]) => f in cell.overrides)),
        candidates: [],
        chosen: null,
        edges: {},
      });
    const group = groups.get(key)!;
    const values = Object.fromEntries(Object.entries(cell.overrides).filter(([k]) => fields.includes(k)));
    let candidate = group.candidates.find((c) => overridesKey(c.values) === overridesKey(values));
    if (!candidate) {
      candidate = { values, trials: [], mean: null, tieMean: null };
      group.candidates.push(candidate);
    }
    // Groups that differ only in a field the tuning budget overrides (epochs) share their tuning runs.
    const shared = unique.get(cell.runId) ?? cell;
    unique.set(cell.runId, shared);
    candidate.trials.push({ cell: shared, seed: cell.spec.seed, ...trialScore(shared, tune.metric) });
  }
  for (const group of groups.values()) {
    for (const c of group.candidates) {
      if (c.trials.some((t) => t.score === null)) continue;
      c.mean = mean(c.trials.map((t) => t.score!));
      c.tieMean = mean(c.trials.map((t) => t.tieBreak!));
    }
    // Every value set must be scored; one whose every seed diverged (mean NaN) is never chosen.
    const winner = group.candidates.every((c) => c.mean !== null) ? best(group.candidates, tune.metric) : null;
    if (winner && !Number.isNaN(winner.mean)) {
      group.chosen = winner;
      group.edges = edgesOf(group.ranges, winner.values);
    }
  }

  const known: Cell[] = [];
  let waiting = 0;
  for (const cell of mainCells) {
    const group = groups.get(groupKey(cell.spec.dataset.name, cell.spec.method.name, cell.overrides));
    if (!group?.chosen) waiting++;
    else
      known.push(
        withFields(cell, group.chosen.values, `${suite.file}: tune (chosen ${JSON.stringify(group.chosen.values)})`),
      );
  }
  const cells = [...unique.values(), ...known];
  // Numbered afresh, in place: the trials hold the same cell objects.
  cells.forEach((c, i) => {
    c.index = i + 1;
  });
  return { cells, tuning: [...groups.values()], waiting };
}
