import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import deepmerge from 'deepmerge';
import { closest } from 'fastest-levenshtein';
import { UsageError } from '../errors.js';
import { fieldPathProblem } from './field-names.js';
import { overrideAt, type Override } from './overrides.js';
import { specSchema, type Spec } from './schema.js';
import { checkSpecSemantics, keepParamsOf } from './semantics.js';

// strictNumbers: a number field must be finite (YAML's .inf and .nan are numbers to Ajv otherwise).
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictNumbers: true });
const validate = ajv.compile(specSchema);

/** Every problem of a spec, one per line, each naming the file and the field. */
export class SpecError extends UsageError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Set the field at a dotted path (`method.name`), creating the objects on the way. */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  const problem = fieldPathProblem(keys);
  if (problem) throw new SpecError([`${dotted}: ${problem}`]);
  let node = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function schemaAt(pathParts: string[]): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = specSchema as unknown as Record<string, unknown>;
  for (const p of pathParts) {
    const props = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = props?.[p];
  }
  return node;
}

function describe(value: unknown): string {
  // JSON has no NaN or Infinity (it would print them as null).
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Unknown keys reported one by one; a file of thousands of them gets a count of the rest. */
const MAX_UNKNOWN_KEYS = 20;
/** Alias expansions allowed when a YAML file is turned into values (stops "billion laughs" files). */
const MAX_ALIAS_COUNT = 100;

export interface YamlFile {
  doc: YAML.Document;
  lineCounter: LineCounter;
  raw: unknown;
}

/** Largest spec or suite file read (README, exit codes): real ones are a few kilobytes. */
export const MAX_YAML_FILE_BYTES = 1024 * 1024;

/**
 * The text of a spec or suite file: a regular file (not a device such as /dev/zero, a pipe or a
 * folder) of at most MAX_YAML_FILE_BYTES, in UTF-8 (other bytes would silently become U+FFFD, in
 * a path too). The size is checked on the open file and the read is bounded, so a file that grows
 * meanwhile cannot make it read more.
 */
function readYamlText(file: string, what: 'spec' | 'suite'): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SpecError([`${file}: ${what} file not found`]);
    throw e;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new SpecError([`${file}: is a folder; give the ${what} YAML file`]);
    if (!stat.isFile())
      throw new SpecError([`${file}: not a regular file (a device, pipe or socket); give the ${what} YAML file`]);
    const tooLarge = new SpecError([
      `${file}: larger than the ${MAX_YAML_FILE_BYTES / 1024 / 1024} MiB a ${what} file may have; give the ${what} YAML file`,
    ]);
    if (stat.size > MAX_YAML_FILE_BYTES) throw tooLarge;
    const buf = Buffer.alloc(MAX_YAML_FILE_BYTES + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_YAML_FILE_BYTES) throw tooLarge;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n));
    } catch {
      throw new SpecError([`${file}: not UTF-8 text; give the ${what} YAML file (saved as UTF-8)`]);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read and parse a spec or suite file. Every problem is a SpecError naming the file: missing, a
 * folder or device, too large, not UTF-8, a syntax error or duplicate key (with line and column;
 * the first of them, as a file that is not YAML at all has hundreds), a key that would reach an
 * object's prototype, or aliases that expand too far.
 */
export function readYamlFile(file: string, what: 'spec' | 'suite'): YamlFile {
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other (minutes for 30k keys); ours is linear.
  const doc = YAML.parseDocument(readYamlText(file, what), { lineCounter, uniqueKeys: false });
  const syntax = doc.errors.map((e) => ({
    pos: e.linePos?.[0],
    text: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
  }));
  const refusedKeys: { line: number; text: string }[] = [];
  const keyPos = (key: unknown) => {
    const range = (key as YAML.Scalar).range;
    return range ? lineCounter.linePos(range[0]) : undefined;
  };
  YAML.visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
        const pos = keyPos(pair.key);
        if (seen.has(key)) syntax.push({ pos, text: `duplicate key '${String(key)}'` });
        seen.add(key);
        const problem = typeof key === 'string' ? fieldPathProblem([key]) : null;
        if (problem)
          refusedKeys.push({ line: pos?.line ?? 0, text: `${file}${pos ? `:${pos.line}` : ''}: ${problem}` });
      }
    },
  });
  if (syntax.length) {
    const { pos, text } = syntax[0];
    const more = syntax.length > 1 ? ` (and ${syntax.length - 1} more; is this a YAML ${what} file?)` : '';
    throw new SpecError([`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${text}${more}`]);
  }
  // The visit reaches a mapping's own keys before those nested in it: report them in file order.
  if (refusedKeys.length) throw new SpecError(refusedKeys.sort((a, b) => a.line - b.line).map((k) => k.text));
  try {
    return { doc, lineCounter, raw: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    throw new SpecError([
      `${file}: YAML aliases expand to too many values (${(e as Error).message}); write the values out instead`,
    ]);
  }
}

/** The value at a field path of a parsed object, undefined when the path is not there. */
export function valueAt(obj: unknown, parts: string[]): unknown {
  return parts.reduce<unknown>(
    (o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined),
    obj,
  );
}

/** Turn one Ajv error into "field: what was expected (got what was found)". */
function explain(err: ErrorObject, data: unknown): { field: string[]; text: string } {
  const parts = err.instancePath.split('/').filter(Boolean);
  // Computed only by the messages that show it: the value at an unknown key's parent can be huge.
  const got = (): string => describe(valueAt(data, parts));
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((schemaAt(parts)?.properties as object) ?? {});
      const guess = known.length ? closest(key, known) : undefined;
      return {
        field: [...parts, key],
        text: `unknown key${guess ? ` (did you mean '${guess}'?)` : ''}; known keys: ${known.join(', ')}`,
      };
    }
    case 'type': {
      const expected = (err.params as { type: string | string[] }).type;
      // Infinity and NaN are numbers to the reader: say what is wrong with them.
      if ([expected].flat().includes('number') && typeof valueAt(data, parts) === 'number')
        return { field: parts, text: `must be a finite number (got ${got()})` };
      return { field: parts, text: `expected ${expected} (got ${got()})` };
    }
    case 'enum':
      return {
        field: parts,
        text: `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')} (got ${got()})`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = err.params as { comparison: string; limit: number };
      return { field: parts, text: `must be ${comparison} ${limit} (got ${got()})` };
    }
    default:
      return { field: parts, text: `${err.message ?? 'invalid'} (got ${got()})` };
  }
}

/**
 * Validate a parsed spec object, fill every default and check the cross-field rules.
 * `where(field)` turns a field path into a location prefix for messages.
 */
export function resolveSpec(raw: unknown, source: string, where: (field: string[]) => string = () => source): Spec {
  const data = raw === null || raw === undefined ? {} : structuredClone(raw);
  if (typeof data !== 'object' || Array.isArray(data))
    throw new SpecError([`${source}: a spec must be a YAML mapping of fields (got ${describe(raw)})`]);
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    const unknown = errors.filter((e) => e.keyword === 'additionalProperties');
    // Only the reported errors are explained and located (locating one scans its YAML mapping).
    const shown = [
      ...errors.filter((e) => e.keyword !== 'additionalProperties'),
      ...unknown.slice(0, MAX_UNKNOWN_KEYS),
    ];
    const problems = shown
      // Ajv reports every branch of a ['number','null'] type; keep one line per field.
      .map((e) => explain(e, data))
      .map((e) => `${where(e.field)}: ${e.field.join('.') || '(top level)'}: ${e.text}`);
    if (unknown.length > MAX_UNKNOWN_KEYS)
      problems.push(`${source}: ${unknown.length - MAX_UNKNOWN_KEYS} more unknown keys not listed`);
    throw new SpecError([...new Set(problems)]);
  }
  const spec = data as Spec;
  if (spec.name === null) spec.name = path.basename(source).replace(/\.(ya?ml)$/i, '');
  const problems = checkSpecSemantics(spec).map((p) => `${where(p.field)}: ${p.field.join('.')}: ${p.text}`);
  if (problems.length) throw new SpecError(problems);
  return spec;
}

/** A spec file (and the base files it names, in order) read and merged into one raw object. */
interface SpecChain {
  raw: Record<string, unknown>;
  files: { file: string; yaml: YamlFile }[];
}

function isMapping(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Read a spec file and the chain of `base:` files under it: the file's fields are merged over its
 * base's as a suite's `spec:` is over its base (mappings field by field, lists replaced). A base
 * path is relative to the file naming it; a chain that comes back to a file is refused.
 */
export function readSpecChain(file: string, below: string[] = []): SpecChain {
  const yaml = readYamlFile(file, 'spec');
  const raw = yaml.raw ?? {};
  const files = [{ file, yaml }];
  // A suite file given where a spec is expected would otherwise list its own keys as unknown, one line each.
  if (isMapping(raw) && 'grid' in raw)
    throw new SpecError([
      `${file}: a suite (it has grid:), not a spec; list its cells with \`cone run ${file} --dry-run\``,
    ]);
  if (!isMapping(raw)) throw new SpecError([`${file}: a spec must be a YAML mapping of fields (got ${describe(raw)})`]);
  if (raw.base === undefined) return { raw, files };
  const { base, ...own } = raw;
  if (typeof base !== 'string' || base === '')
    throw new SpecError([`${file}: base: expected the path of a spec file (got ${describe(base)})`]);
  const baseFile = path.resolve(path.dirname(file), base);
  const chain = [...below, path.resolve(file)];
  if (chain.includes(baseFile))
    throw new SpecError([
      `${file}: base: ${base} makes a cycle (${[...chain, baseFile].join(' -> ')}); remove one base:`,
    ]);
  if (!fs.existsSync(baseFile)) throw new SpecError([`${file}: base: ${base} not found (looked for ${baseFile})`]);
  const under = readSpecChain(baseFile, chain);
  // A file that changes the method keeps only the base's method parameters the new method uses.
  const method = isMapping(own.method) ? own.method.name : undefined;
  const baseRaw = { ...under.raw };
  if (typeof method === 'string' && isMapping(baseRaw.method)) baseRaw.method = keepParamsOf(baseRaw.method, method);
  return { raw: deepmerge(baseRaw, own, { arrayMerge: (_, source) => source }), files: [...files, ...under.files] };
}

/**
 * Read, merge (base:), override and resolve a spec file. Overrides win over the file; an override
 * of method.name keeps only the file's parameters that method uses (a spec written for cone still
 * drives ce), while a parameter given on the command line must be one the method uses.
 */
export function loadSpec(file: string, overrides: readonly Override[] = []): Spec {
  const { raw, files } = readSpecChain(file);
  const name = overrides.find((o) => o.path === 'method.name');
  if (name) {
    setPath(raw, name.path, name.value);
    raw.method = keepParamsOf(raw.method as Record<string, unknown>, String(name.value));
  }
  for (const o of overrides) if (o !== name) setPath(raw, o.path, o.value);
  const where = (field: string[]): string => {
    const override = overrideAt(overrides, field);
    if (override) return override.from;
    // Point at the nearest line that exists for this field, in the file or else in its bases.
    for (const { file: f, yaml } of files) {
      const line = fieldLine(yaml, field);
      if (line) return `${f}:${line}`;
    }
    return file;
  };
  return resolveSpec(raw, file, where);
}

/** The line of a field in its YAML file, or of the nearest enclosing field the file has; undefined when none. */
export function fieldLine({ doc, lineCounter }: YamlFile, field: string[]): number | undefined {
  for (let n = field.length; n > 0; n--) {
    const node = doc.getIn(field.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
    const pair = findKeyLine(doc, field.slice(0, n), lineCounter);
    if (pair) return pair;
  }
  return undefined;
}

/** The line of a mapping key (for unknown keys, whose value node alone has no useful position). */
function findKeyLine(doc: YAML.Document, field: string[], lc: LineCounter): number | undefined {
  const parent = field.length > 1 ? doc.getIn(field.slice(0, -1), true) : doc.contents;
  if (!YAML.isMap(parent)) return undefined;
  const pair = parent.items.find((p) => YAML.isScalar(p.key) && p.key.value === field[field.length - 1]);
  const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

export function specToYaml(spec: Spec): string {
  return YAML.stringify(spec, { sortMapEntries: false });
}
