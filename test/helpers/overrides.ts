import { overrideArg, parseOverride, type Override } from '../../src/config/overrides.js';

/** Spec fields as the command line gives them (`epochs=7`), from a `{ path: value }` record. */
export function overridesOf(fields: Record<string, unknown>): Override[] {
  return Object.entries(fields).map(([path, value]) => parseOverride(overrideArg({ path, value, from: '' })));
}
