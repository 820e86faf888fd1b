/**
 * Keys that reach an object's prototype when assigned (`obj[key] = …`, merged, or walked into by a
 * dotted path): `a.__proto__.b = 1` would set `b` on every object of the process.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The problem with a field path (`['method', 'name']`) as a place to write a value, or null when it
 * is fine. The one check wherever a spec, suite, base file, grid key or override sets fields, so
 * each says the same.
 */
export function fieldPathProblem(segments: readonly string[]): string | null {
  const bad = segments.find((s) => PROTOTYPE_KEYS.has(s));
  return bad === undefined
    ? null
    : `'${bad}' cannot be a field name (__proto__, constructor and prototype are refused)`;
}
