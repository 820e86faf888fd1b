import fs from 'node:fs';
import path from 'node:path';
import deepmerge from 'deepmerge';
import {
  fieldLine,
  readSpecChain,
  readYamlFile,
  resolveSpec,
  setPath,
  SpecError,
  valueAt,
  type YamlFile,
} from '../config/load.js';
import { runId } from '../config/hash.js';
import { appliesTo, checkOverridesUsed, overrideAt, type Override } from '../config/overrides.js';
import type { Spec } from '../config/schema.js';
import { keepParamsOf } from '../config/semantics.js';
import { UsageError } from '../errors.js';
import type { Suite } from './schema.js';
import { SUITE_FILES } from '../io/run-layout.js';

export interface Cell {
  index: number;
  spec: Spec;
  runId: string;
  runDir: string;
  /** Grid values of this cell other than dataset, method and seed (which have their own columns). */
  overrides: Record<string, unknown>;
  /** A tuning run (suite `tune:`): pretraining alone, scored on its validation split (suite/tune.ts). */
  tuning?: boolean;
}

/** Grid fields with their own summary columns. */
const IDENTITY_FIELDS = new Set(['dataset.name', 'method.name', 'seed']);

export function suiteDir(suite: Suite, outputRoot: string): string {
  return path.join(outputRoot, suite.name);
}

/** Most cells a suite may have (README, exit codes); checked before the grid is expanded. */
export const MAX_SUITE_CELLS = 10_000;

function product(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  return Object.entries(grid).reduce<Record<string, unknown>[]>(
    (combos, [key, values]) => combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v }))),
    [{}],
  );
}

/** Fields the suite sets for every cell: its runs folder and (by default) its name. */
const SUITE_SET_FIELDS = ['output'];

/**
 * Command-line overrides apply to every cell; one of a field the grid varies, or the suite sets,
 * would silently lose to it, so it is refused.
 */
function checkSuiteOverrides(suite: Suite, overrides: readonly Override[]): void {
  for (const o of overrides) {
    const gridKey = Object.keys(suite.grid).find(
      (k) => k === o.path || k.startsWith(`${o.path}.`) || o.path.startsWith(`${k}.`),
    );
    if (gridKey)
      throw new UsageError(`${o.from}: ${gridKey} is a grid key of ${suite.file}; change its grid: values instead`);
    if (SUITE_SET_FIELDS.includes(o.path.split('.')[0]))
      throw new UsageError(`${o.from}: a suite writes its runs under --out (default results/); give --out instead`);
  }
}

/**
 * The cells of a suite, in grid order: base spec + suite `spec` + one grid combination each, resolved
 * and validated. Combinations that resolve to the same spec (e.g. a theta grid crossed with ce) are one cell.
 */
export function expandSuite(
  suite: Suite,
  opts: { outputRoot: string; overrides?: readonly Override[]; folder?: string },
): Cell[] {
  const sizes = Object.values(suite.grid).map((values) => values.length);
  const count = sizes.reduce((n, size) => n * size, 1);
  if (count > MAX_SUITE_CELLS)
    throw new SpecError([
      `${suite.file}: grid: ${sizes.join(' x ')} = ${count} cells, over the ${MAX_SUITE_CELLS} a suite may have; split it into smaller suites`,
    ]);
  if (suite.base && !fs.existsSync(suite.base)) throw new SpecError([`${suite.file}: base: ${suite.base} not found`]);
  const chain = suite.base ? readSpecChain(suite.base) : null;
  const overrides = opts.overrides ?? [];
  checkSuiteOverrides(suite, overrides);
  const start = deepmerge(chain?.raw ?? {}, suite.spec, { arrayMerge: (_, source) => source }) as Record<
    string,
    unknown
  >;
  // A method chosen on the command line decides, as a grid's would, which method parameters apply.
  const chosen = overrides.find((o) => o.path === 'method.name');
  if (chosen) setPath(start, chosen.path, chosen.value);
  const locate = sourceOfField(suite, chain?.files ?? [], overrides);
  const output = path.join(suiteDir(suite, opts.outputRoot), opts.folder ?? SUITE_FILES.runs);
  const cells: Cell[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  product(suite.grid).forEach((combo, i) => {
    const raw = structuredClone(start);
    const method = String(combo['method.name'] ?? (raw.method as { name?: string } | undefined)?.name ?? 'cone');
    const gridValues: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(combo)) {
      if (!appliesTo(key, method)) continue;
      setPath(raw, key, value);
      if (!IDENTITY_FIELDS.has(key)) gridValues[key] = value;
    }
    // The base spec's method parameters follow the same rule: a cone theta does not break a ce cell.
    if (raw.method && typeof raw.method === 'object')
      raw.method = keepParamsOf(raw.method as Record<string, unknown>, method);
    for (const o of overrides) if (appliesTo(o.path, method)) setPath(raw, o.path, o.value);
    raw.output = output;
    raw.name ??= suite.name;
    const source = `${suite.file} (cell ${i + 1}: ${JSON.stringify(combo)})`;
    try {
      const spec = resolveSpec(raw, source, (field) => locate(field, combo) ?? source);
      const id = runId(spec, suite.pipeline === 'longtail' ? 'longtail' : 'pretrain');
      if (seen.has(id)) return;
      seen.add(id);
      cells.push({ index: cells.length + 1, spec, runId: id, runDir: path.join(output, id), overrides: gridValues });
    } catch (e) {
      if (e instanceof SpecError) problems.push(...e.problems);
      else throw e;
    }
  });
  if (problems.length) throw new SpecError([...new Set(problems)]);
  checkOverridesUsed(overrides, [...new Set(cells.map((c) => c.spec.method.name))]);
  return cells;
}

/**
 * Where a field of a cell's spec came from, for its error messages: a problem of the suite's `spec:`
 * block or base file is the same in every cell and is named once, at its line; one of a grid value
 * (undefined here) is named with its cell.
 */
function sourceOfField(
  suite: Suite,
  baseFiles: { file: string; yaml: YamlFile }[],
  overrides: readonly Override[],
): (field: string[], combo: Record<string, unknown>) => string | undefined {
  let suiteFile: YamlFile | undefined;
  return (field, combo) => {
    const dotted = field.join('.');
    const fromGrid = Object.keys(combo).some(
      (k) => k === dotted || k.startsWith(`${dotted}.`) || dotted.startsWith(`${k}.`),
    );
    if (fromGrid) return undefined;
    const override = overrideAt(overrides, field);
    if (override) return override.from;
    if (valueAt(suite.spec, field) !== undefined) {
      suiteFile ??= readYamlFile(suite.file, 'suite');
      const line = fieldLine(suiteFile, ['spec', ...field]);
      return line ? `${suite.file}:${line}` : suite.file;
    }
    // The base file nearest the suite that sets the field (a base may have bases).
    const from = baseFiles.find(({ yaml }) => valueAt(yaml.raw, field) !== undefined);
    if (from) {
      const line = fieldLine(from.yaml, field);
      return line ? `${from.file}:${line}` : from.file;
    }
    return undefined;
  };
}
