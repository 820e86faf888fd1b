import fs from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { RunError } from '../errors.js';

/** "field: what Ajv expected" for the first error of a validation. */
function firstError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match its format';
  const field = e.instancePath.slice(1).replace(/\//g, '.');
  return `${field ? `${field} ` : ''}${e.message ?? 'is invalid'}`;
}

/**
 * A JSON file that cone wrote, checked against its JSON Schema; a file that does not parse or does
 * not match is a RunError naming the file, the first field that is wrong, then `fix` (what to do).
 */
export function readJsonFile<T>(file: string, validate: ValidateFunction<T>, fix?: string): T {
  const then = fix ? `; ${fix}` : '';
  if (!fs.existsSync(file)) throw new RunError(`${file}: file not found`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunError(`${file}: not valid JSON (${(e as Error).message})${then}`);
  }
  if (!validate(value)) throw new RunError(`${file}: ${firstError(validate.errors)}${then}`);
  return value;
}

const ajv = new Ajv({ allErrors: false, strict: false });

/** A validator for readJsonFile. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}
