import YAML from 'yaml';
import { UsageError } from '../errors.js';
import { fieldPathProblem } from './field-names.js';
import { specSchema } from './schema.js';
import { keepParamsOf } from './semantics.js';

/**
 * One spec field set on the command line, Hydra-style (`method.theta=30`) or as a flag
 * (`--epochs 2`, `--optimizer.lr=0.1`). `from` is how the user wrote it: spec errors name it.
 */
export interface Override {
  path: string;
  value: unknown;
  from: string;
}

/** Dotted field names: letters, digits and `_`; a segment never starts with a digit. */
const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
/** An override value is a YAML scalar or a short flow collection, not a document with aliases. */
const MAX_ALIAS_COUNT = 10;

/** The value of an override, typed as YAML types it (`30` a number, `[64, 64]` a list, `null`, `true`). */
export function overrideValue(text: string, from: string): unknown {
  // Node puts U+FFFD for command-line bytes that are not UTF-8: the value would not be what was typed.
  if (text.includes('\uFFFD'))
    throw new UsageError(`${from}: not UTF-8 text (\uFFFD marks bytes that are not); give the value in UTF-8`);
  const doc = YAML.parseDocument(text);
  if (doc.errors.length)
    throw new UsageError(
      `${from}: the value is not YAML (${doc.errors[0].message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')})`,
    );
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/** `key=value` → an Override; anything else is a usage error naming the argument. */
export function parseOverride(arg: string): Override {
  const eq = arg.indexOf('=');
  const path = eq < 0 ? arg : arg.slice(0, eq);
  if (eq < 0 || !FIELD_PATH.test(path))
    throw new UsageError(
      `${arg}: not an override; write a spec field and its value as key=value (e.g. method.theta=30 or optimizer.lr=0.1)`,
    );
  const problem = fieldPathProblem(path.split('.'));
  if (problem) throw new UsageError(`${arg}: ${problem}`);
  return { path, value: overrideValue(arg.slice(eq + 1), arg), from: arg };
}

/** The override that set `field` or a field around it (the nearest), for naming it in an error. */
export function overrideAt(overrides: readonly Override[], field: readonly string[]): Override | undefined {
  const dotted = field.join('.');
  const covering = overrides.filter((o) => dotted === o.path || dotted.startsWith(`${o.path}.`));
  if (covering.length) return covering.reduce((a, b) => (b.path.length >= a.path.length ? b : a));
  // An unknown top-level key (foo.bar=1 is reported at foo) is reported at a field its override created.
  return overrides.filter((o) => o.path.startsWith(`${dotted}.`)).pop();
}

/** Whether a field applies to a method: method parameters only to the methods that use them (ce has no theta). */
export function appliesTo(path: string, method: string): boolean {
  if (!path.startsWith('method.') || path === 'method.name') return true;
  const param = path.slice('method.'.length);
  return param in keepParamsOf({ [param]: true }, method);
}

/** An override of a method parameter that none of the methods run uses is refused, not dropped. */
export function checkOverridesUsed(overrides: readonly Override[], methods: readonly string[]): void {
  const unused = overrides.find((o) => !methods.some((m) => appliesTo(o.path, m)));
  if (unused)
    throw new UsageError(
      `${unused.from}: ${methods.length > 1 ? 'none of the methods run uses it' : `method ${methods[0]} does not use it`} (${methods.join(', ')})`,
    );
}

export type FieldKind = 'boolean' | 'value';

/** Every leaf field of the spec (dotted path) and whether it is a boolean, read from the schema. */
export function specFields(): Map<string, FieldKind> {
  const out = new Map<string, FieldKind>();
  const walk = (node: Record<string, unknown>, prefix: string) => {
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props) {
      out.set(prefix, node.type === 'boolean' ? 'boolean' : 'value');
      return;
    }
    for (const [key, child] of Object.entries(props)) walk(child, prefix ? `${prefix}.${key}` : key);
  };
  walk(specSchema as unknown as Record<string, unknown>, '');
  return out;
}

/** An override as one `key=value` argument that parseOverride reads back to the same value (JSON is YAML). */
export function overrideArg(o: Override): string {
  return `${o.path}=${JSON.stringify(o.value)}`;
}
