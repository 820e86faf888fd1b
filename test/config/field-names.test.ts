import { describe, expect, it } from 'vitest';
import { fieldPathProblem } from '../../src/config/field-names.js';
import { setPath, SpecError } from '../../src/config/load.js';

describe('field names that reach a prototype', () => {
  it('are refused in any segment of a path, with one message', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(fieldPathProblem([key])).toBe(
        `'${key}' cannot be a field name (__proto__, constructor and prototype are refused)`,
      );
      expect(fieldPathProblem(['method', key, 'x'])).toBe(fieldPathProblem([key]));
    }
    expect(fieldPathProblem(['method', 'name'])).toBeNull();
  });

  it('never reach Object.prototype through setPath', () => {
    for (const dotted of ['__proto__.polluted', 'dataset.__proto__.polluted', 'constructor.prototype.polluted']) {
      const obj: Record<string, unknown> = { dataset: {} };
      expect(() => setPath(obj, dotted, 1)).toThrow(SpecError);
      expect(() => setPath(obj, dotted, 1)).toThrow(/cannot be a field name/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const obj: Record<string, unknown> = {};
    setPath(obj, 'method.name', 'ce');
    expect(obj).toEqual({ method: { name: 'ce' } });
  });
});
