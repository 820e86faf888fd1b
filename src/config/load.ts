import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter } from 'yaml';
import { Ajv, type ErrorObject } from 'ajv';
import { closest } from 'fastest-levenshtein';
import { UsageError } from '../errors.js';
import { specSchema, type Spec } from './schema.js';
import { checkSpecSemantics, keepParamsOf } from './semantics.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(specSchema);

/** A value given on the command line, at a dotted spec path (e.g. `method.name`). */
export type Overrides = Record<string, unknown>;

/** Every problem of a spec, one per line, each naming the file and the field. */
export class SpecError extends UsageError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
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
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : JSON.stringify(value);
}

function valueAt(obj: unknown, parts: string[]): unknown {
  return parts.reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), obj);
}

/** Turn one Ajv error into "field: what was expected (got what was found)". */
function explain(err: ErrorObject, data: unknown): { field: string[]; text: string } {
  const parts = err.instancePath.split('/').filter(Boolean);
  const got = describe(valueAt(data, parts));
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((schemaAt(parts)?.properties as object) ?? {});
      const guess = known.length ? closest(key, known) : undefined;
      return { field: [...parts, key], text: `unknown key${guess ? ` (did you mean '${guess}'?)` : ''}; known keys: ${known.join(', ')}` };
    }
    case 'type':
      return { field: parts, text: `expected ${(err.params as { type: string | string[] }).type} (got ${got})` };
    case 'enum':
      return { field: parts, text: `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')} (got ${got})` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = err.params as { comparison: string; limit: number };
      return { field: parts, text: `must be ${comparison} ${limit} (got ${got})` };
    }
    default:
      return { field: parts, text: `${err.message ?? 'invalid'} (got ${got})` };
  }
}

/**
 * Validate a parsed spec object, fill every default and check the cross-field rules.
 * `where(field)` turns a field path into a location prefix for messages.
 */
export function resolveSpec(raw: unknown, source: string, where: (field: string[]) => string = () => source): Spec {
  const data = raw === null || raw === undefined ? {} : structuredClone(raw);
  if (typeof data !== 'object' || Array.isArray(data)) throw new SpecError([`${source}: a spec must be a YAML mapping of fields (got ${describe(raw)})`]);
  if (!validate(data)) {
    const problems = (validate.errors ?? [])
      // Ajv reports every branch of a ['number','null'] type; keep one line per field.
      .map((e) => explain(e, data))
      .map((e) => `${where(e.field)}: ${e.field.join('.') || '(top level)'}: ${e.text}`);
    throw new SpecError([...new Set(problems)]);
  }
  const spec = data as Spec;
  if (spec.name === null) spec.name = path.basename(source).replace(/\.(ya?ml)$/i, '');
  const problems = checkSpecSemantics(spec).map((p) => `${where(p.field)}: ${p.field.join('.')}: ${p.text}`);
  if (problems.length) throw new SpecError(problems);
  return spec;
}

/** Read, parse, override and resolve a spec file. CLI overrides win over the file. */
export function loadSpec(file: string, overrides: Overrides = {}): Spec {
  if (!fs.existsSync(file)) throw new SpecError([`${file}: spec file not found`]);
  const text = fs.readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    throw new SpecError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    );
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  const overridden = new Set<string>();
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (typeof raw !== 'object' || raw === null) break;
    setPath(raw, key, value);
    overridden.add(key);
  }
  if (overridden.has('method.name') && typeof raw.method === 'object' && raw.method !== null) {
    raw.method = keepParamsOf(raw.method as Record<string, unknown>, String(overrides['method.name']));
  }
  const where = (field: string[]): string => {
    if (overridden.has(field.join('.'))) return `${file} (overridden on the command line)`;
    // Point at the nearest line that exists in the file for this field.
    for (let n = field.length; n > 0; n--) {
      const node = doc.getIn(field.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`;
      const pair = n > 0 ? findKeyLine(doc, field.slice(0, n), lineCounter) : undefined;
      if (pair) return `${file}:${pair}`;
    }
    return file;
  };
  return resolveSpec(raw, file, where);
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
