import path from 'node:path';
import { Ajv } from 'ajv';
import { readYamlFile, SpecError } from '../config/load.js';
import { suiteSchema, type Expectation, type Suite } from './schema.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(suiteSchema);

/** Read and validate a suite file; every problem is one line naming the file and field. */
export function loadSuite(file: string): Suite {
  const raw = (readYamlFile(file, 'suite').raw ?? {}) as Record<string, unknown>;
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
  return {
    ...s,
    name: s.name ?? path.basename(file).replace(/\.ya?ml$/i, ''),
    file,
    base: s.base ? path.resolve(path.dirname(file), s.base) : null,
    // Ajv fills no defaults inside anyOf, so the margin default is applied here.
    expectations: s.expectations.map((e) =>
      typeof e === 'string' ? { check: e, margin: 0 } : { ...e, margin: e.margin ?? 0 },
    ),
  };
}
