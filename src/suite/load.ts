import path from 'node:path';
import { Ajv } from 'ajv';
import { fieldPathProblem } from '../config/field-names.js';
import { fieldLine, readYamlFile, SpecError } from '../config/load.js';
import { requirePathSegment } from '../io/path-segment.js';
import { suiteSchema, type Expectation, type Suite } from './schema.js';

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
  // The name is a folder under --out: one folder name, never a path out of it.
  const name = s.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  requirePathSegment(name, `${file}: name${s.name === null ? ' (the file name, as the suite gives no name:)' : ''}`);
  return {
    ...s,
    name,
    file,
    base: s.base ? path.resolve(path.dirname(file), s.base) : null,
    // Ajv fills no defaults inside anyOf, so the margin default is applied here.
    expectations: s.expectations.map((e) =>
      typeof e === 'string' ? { check: e, margin: 0 } : { ...e, margin: e.margin ?? 0 },
    ),
  };
}
