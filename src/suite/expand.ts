import fs from 'node:fs';
import path from 'node:path';
import deepmerge from 'deepmerge';
import { fieldLine, readYamlFile, resolveSpec, setPath, SpecError, valueAt, type YamlFile } from '../config/load.js';
import { runId } from '../config/hash.js';
import type { Spec } from '../config/schema.js';
import { keepParamsOf } from '../config/semantics.js';
import type { Suite } from './schema.js';
import { SUITE_FILES } from '../io/run-layout.js';

export interface Cell {
  index: number;
  spec: Spec;
  runId: string;
  runDir: string;
  /** Grid values of this cell other than dataset, method and seed (which have their own columns). */
  overrides: Record<string, unknown>;
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

/** Method parameters a loss does not use are dropped from its cells (ce has no theta). */
function appliesTo(key: string, method: string): boolean {
  if (!key.startsWith('method.')) return true;
  return key.slice('method.'.length) in keepParamsOf({ [key.slice('method.'.length)]: true }, method);
}

/**
 * The cells of a suite, in grid order: base spec + suite `spec` + one grid combination each, resolved
 * and validated. Combinations that resolve to the same spec (e.g. a theta grid crossed with ce) are one cell.
 */
export function expandSuite(
  suite: Suite,
  opts: { outputRoot: string; execution?: Partial<Pick<Spec, 'backend' | 'threads'>> },
): Cell[] {
  const sizes = Object.values(suite.grid).map((values) => values.length);
  const count = sizes.reduce((n, size) => n * size, 1);
  if (count > MAX_SUITE_CELLS)
    throw new SpecError([
      `${suite.file}: grid: ${sizes.join(' x ')} = ${count} cells, over the ${MAX_SUITE_CELLS} a suite may have; split it into smaller suites`,
    ]);
  if (suite.base && !fs.existsSync(suite.base)) throw new SpecError([`${suite.file}: base: ${suite.base} not found`]);
  const baseFile = suite.base ? readYamlFile(suite.base, 'spec') : null;
  const base = baseFile?.raw ?? {};
  const start = deepmerge(base, suite.spec, { arrayMerge: (_, source) => source }) as Record<string, unknown>;
  const locate = sourceOfField(suite, baseFile, opts.execution);
  const output = path.join(suiteDir(suite, opts.outputRoot), SUITE_FILES.runs);
  const cells: Cell[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  product(suite.grid).forEach((combo, i) => {
    const raw = structuredClone(start);
    const method = String(combo['method.name'] ?? (raw.method as { name?: string } | undefined)?.name ?? 'cone');
    const overrides: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(combo)) {
      if (!appliesTo(key, method)) continue;
      setPath(raw, key, value);
      if (!IDENTITY_FIELDS.has(key)) overrides[key] = value;
    }
    // The base spec's method parameters follow the same rule: a cone theta does not break a ce cell.
    if (raw.method && typeof raw.method === 'object')
      raw.method = keepParamsOf(raw.method as Record<string, unknown>, method);
    for (const [key, value] of Object.entries(opts.execution ?? {})) if (value !== undefined) raw[key] = value;
    raw.output = output;
    raw.name ??= suite.name;
    try {
      const cellLabel = `${suite.file} (cell ${i + 1}: ${JSON.stringify(combo)})`;
      const spec = resolveSpec(raw, cellLabel, (field) => locate(field, combo) ?? cellLabel);
      const id = runId(spec, suite.pipeline === 'longtail' ? 'longtail' : 'pretrain');
      if (seen.has(id)) return;
      seen.add(id);
      cells.push({ index: cells.length + 1, spec, runId: id, runDir: path.join(output, id), overrides });
    } catch (e) {
      if (e instanceof SpecError) problems.push(...e.problems);
      else throw e;
    }
  });
  if (problems.length) throw new SpecError([...new Set(problems)]);
  return cells;
}

/**
 * Where a field of a cell's spec came from, for its error messages: a problem of the suite's `spec:`
 * block or base file is the same in every cell and is named once, at its line; one of a grid value
 * (undefined here) is named with its cell.
 */
function sourceOfField(
  suite: Suite,
  baseFile: YamlFile | null,
  execution: Record<string, unknown> = {},
): (field: string[], combo: Record<string, unknown>) => string | undefined {
  let suiteFile: YamlFile | undefined;
  return (field, combo) => {
    const dotted = field.join('.');
    const fromGrid = Object.keys(combo).some(
      (k) => k === dotted || k.startsWith(`${dotted}.`) || dotted.startsWith(`${k}.`),
    );
    if (fromGrid) return undefined;
    if (execution[dotted] !== undefined) return `${suite.file} (overridden on the command line)`;
    if (valueAt(suite.spec, field) !== undefined) {
      suiteFile ??= readYamlFile(suite.file, 'suite');
      const line = fieldLine(suiteFile, ['spec', ...field]);
      return line ? `${suite.file}:${line}` : suite.file;
    }
    if (baseFile && suite.base && valueAt(baseFile.raw, field) !== undefined) {
      const line = fieldLine(baseFile, field);
      return line ? `${suite.base}:${line}` : suite.base;
    }
    return undefined;
  };
}
