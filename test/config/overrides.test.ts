import { describe, expect, it } from 'vitest';
import { overrideArg, overrideAt, parseOverride, specFields } from '../../src/config/overrides.js';
import { UsageError } from '../../src/errors.js';

describe('command-line overrides', () => {
  it('types values as YAML does: numbers, lists, null, booleans and strings', () => {
    expect(parseOverride('method.theta=30')).toEqual({ path: 'method.theta', value: 30, from: 'method.theta=30' });
    expect(parseOverride('optimizer.lr=1e-3').value).toBe(0.001);
    expect(parseOverride('model.hidden=[64, 64]').value).toEqual([64, 64]);
    expect(parseOverride('threads=null').value).toBeNull();
    expect(parseOverride('augment=true').value).toBe(true);
    expect(parseOverride('dataset.name=fashion-mnist').value).toBe('fashion-mnist');
    // Only the first = splits: the value may hold more.
    expect(parseOverride('name=a=b').value).toBe('a=b');
  });

  it('refuses what is not key=value, naming the argument', () => {
    for (const bad of ['nonsense', '=3', 'method..theta=3', '1x=2', '-x=1', 'a b=1'])
      expect(() => parseOverride(bad)).toThrow(
        new UsageError(
          `${bad}: not an override; write a spec field and its value as key=value (e.g. method.theta=30 or optimizer.lr=0.1)`,
        ),
      );
    expect(() => parseOverride('optimizer.lr=[1')).toThrow(/^optimizer\.lr=\[1: the value is not YAML \(Flow sequence/);
  });

  it('writes an override back as one argument that parses to the same value', () => {
    for (const value of [30, 0.1, [64, 64], null, true, 'fashion-mnist', '30', 'a b: c'])
      expect(parseOverride(overrideArg({ path: 'x.y', value, from: '' })).value).toEqual(value);
  });

  it('finds the override behind an error at its field, a field inside it, or a key it created', () => {
    const o = [parseOverride('method={name: ce}'), parseOverride('method.theta=3'), parseOverride('foo.bar=1')];
    expect(overrideAt(o, ['method', 'theta'])?.from).toBe('method.theta=3');
    expect(overrideAt(o, ['method', 'scale'])?.from).toBe('method={name: ce}');
    expect(overrideAt(o, ['foo'])?.from).toBe('foo.bar=1');
    expect(overrideAt(o, ['epochs'])).toBeUndefined();
  });

  it('lists every leaf field of the spec schema, booleans marked', () => {
    const fields = specFields();
    expect(fields.get('optimizer.lr')).toBe('value');
    expect(fields.get('augment')).toBe('boolean');
    expect(fields.get('dataset.synthetic.image')).toBe('boolean');
    expect(fields.has('method')).toBe(false);
    expect(fields.has('method.theta')).toBe(true);
  });
});
