import path from 'node:path';
import { Ajv } from 'ajv';
import { closest } from 'fastest-levenshtein';
import { fieldPathProblem } from '../config/field-names.js';
import { specFields } from '../config/overrides.js';
import { fieldLine, readYamlFile, SpecError } from '../config/load.js';
import { requirePathSegment } from '../io/path-segment.js';
import { suiteSchema, type Expectation, type Suite, type Tune } from './schema.js';

/** Spec fields a `tune:` block may not vary, and why. */
const UNTUNABLE: Record<string, string> = {
  seed: 'the tune seeds are tune.seeds',
  epochs: 'the tuning budget is tune.epochs',
  'method.name': 'each method is tuned on its own; list methods in grid:',
  'dataset.name': 'each dataset is tuned on its own; list datasets in grid:',
  'dataset.validation': 'the validation split is tune.validation',
  track: 'tuning runs do not track',
  name: 'it does not change what is computed',
  output: 'it does not change what is computed',
  backend: 'it does not change what is computed',
  threads: 'it does not change what is computed',
  tensorboard: 'it does not change what is computed',
};

/** Whether two dotted field paths are the same field or one holds the other. */
const overlap = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

/** Problems of a `tune:` block beyond its schema, one line each, at its line. */
function tuneProblems(tune: Tune, s: Pick<Suite, 'grid' | 'pipeline'>, at: (field: string[]) => string): string[] {
  if (s.pipeline === 'longtail')
    return [`${at(['tune'])}: tune: tuning is for the transfer pipeline (a long-tail run has no validation split yet)`];
  return Object.keys(tune.fields).flatMap((key) => {
    const where = `${at(['tune', 'fields', key])}: tune.fields.${key}`;
    const problem = fieldPathProblem(key.split('.'));
    if (problem) return [`${where}: ${problem}`];
    const known = [...specFields().keys()];
    if (!known.includes(key)) return [`${where}: not a spec field (did you mean ${closest(key, known)}?)`];
    const untunable = Object.keys(UNTUNABLE).find((f) => overlap(key, f));
    if (untunable) return [`${where}: cannot be tuned (${UNTUNABLE[untunable]})`];
    const gridKey = Object.keys(s.grid).find((k) => overlap(key, k));
    if (gridKey) return [`${where}: ${gridKey} is also a grid key; a field is either tried in grid: or tuned`];
    return [];
  });
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictNumbers: true });
const validate = ajv.compile(suiteSchema);

/** Read and validate a suite file; every problem is one line naming the file and field. */
export function loadSuite(file: string): Suite {
  const yaml = readYamlFile(file, 'suite');
  const raw = (yaml.raw ?? {}) as Record<string, unknown>;
  if (!validate(raw)) {
    throw new SpecError(
      (validate.errors ?? []).map((e) => {
        const field = e.instancePath.split('/').filter(Boolean).join('.') || '(top level)';
        const extra =
          e.keyword === 'additionalProperties'
            ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
            : '';
        return `${file}: ${field}: ${e.message}${extra}`;
      }),
    );
  }
  const s = raw as unknown as Omit<Suite, 'file' | 'expectations'> & { expectations: (string | Expectation)[] };
  // Grid keys are dotted paths, split only when a cell is built: check every segment now, with its line.
  const gridKeyProblems = Object.keys(s.grid).flatMap((key) => {
    const problem = fieldPathProblem(key.split('.'));
    const line = fieldLine(yaml, ['grid', key]);
    return problem ? [`${file}${line ? `:${line}` : ''}: grid.${key}: ${problem}`] : [];
  });
  if (gridKeyProblems.length) throw new SpecError(gridKeyProblems);
  const at = (field: string[]) => {
    const line = fieldLine(yaml, field);
    return `${file}${line ? `:${line}` : ''}`;
  };
  const tuneProblemLines = s.tune ? tuneProblems(s.tune, s, at) : [];
  if (tuneProblemLines.length) throw new SpecError(tuneProblemLines);
  // The name is a folder under --out: one folder name, never a path out of it.
  const name = s.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  requirePathSegment(name, `${file}: name${s.name === null ? ' (the file name, as the suite gives no name:)' : ''}`);
  return {
    ...s,
    name,
    file,
    base: s.base ? path.resolve(path.dirname(file), s.base) : null,
    tune: s.tune ?? null,
    // Ajv fills no defaults inside anyOf, so the margin default is applied here.
    expectations: s.expectations.map((e) =>
      typeof e === 'string' ? { check: e, margin: 0 } : { ...e, margin: e.margin ?? 0 },
    ),
  };
}
