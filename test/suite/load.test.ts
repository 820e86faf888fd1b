import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';
import { expandSuite } from '../../src/suite/expand.js';
import { loadSuite } from '../../src/suite/load.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-suite-load-'));
let files = 0;
function suiteFile(text: string, name = `suite${++files}.yaml`): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}
function loadError(file: string): Error {
  try {
    loadSuite(file);
  } catch (e) {
    return e as Error;
  }
  throw new Error('suite was accepted');
}

describe('suite names', () => {
  it('refuses a name that is not one folder name, in one line naming the file and field', () => {
    for (const name of ['../../escaped-suite', '', '.', '..', 'a/b', '/', 'a\\b', 'a\nb', 'a\tb']) {
      const f = suiteFile(`name: ${JSON.stringify(name)}\ngrid: {seed: [0]}\n`);
      const e = loadError(f);
      expect(e, JSON.stringify(name)).toBeInstanceOf(UsageError);
      expect(e.message.startsWith(`${f}: name: ${JSON.stringify(name)} `)).toBe(true);
      expect(e.message).not.toContain('\n');
    }
  });

  it('checks the file name too when it is the name', () => {
    const f = suiteFile('grid: {seed: [0]}\n', 'tab\there.yaml');
    expect(loadError(f).message).toMatch(/name \(the file name, as the suite gives no name:\): "tab\\there" must not/);
    expect(loadSuite(suiteFile('grid: {seed: [0]}\n', 'fine-name.yaml')).name).toBe('fine-name');
  });
});

describe('the suite file', () => {
  it('is a regular file: a device is refused at once (issue 20: /dev/zero grew to 17 GB)', () => {
    const e = loadError('/dev/zero');
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('/dev/zero: not a regular file (a device, pipe or socket); give the suite YAML file');
  });
});

describe('prototype keys in a suite', () => {
  const message = (key: string) => `'${key}' cannot be a field name (__proto__, constructor and prototype are refused)`;

  it('refuses a grid key through __proto__ with its line, before anything is assigned', () => {
    const f = suiteFile('name: s\ngrid:\n  seed: [0]\n  __proto__.polluted: [1]\n');
    const e = loadError(f);
    expect(e).toBeInstanceOf(SpecError);
    expect((e as SpecError).problems).toEqual([`${f}:4: grid.__proto__.polluted: ${message('__proto__')}`]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((loadError(suiteFile('grid:\n  model.constructor.x: [1]\n')) as SpecError).problems[0]).toContain(
      message('constructor'),
    );
  });

  it("refuses __proto__, constructor and prototype in the suite's spec block and in its base file", () => {
    const f = suiteFile('grid: {seed: [0]}\nspec:\n  model:\n    __proto__: {feature_dim: 4}\n');
    expect((loadError(f) as SpecError).problems).toEqual([`${f}:4: ${message('__proto__')}`]);
    fs.writeFileSync(path.join(dir, 'proto-base.yaml'), 'epochs: 2\nprototype: 1\n');
    const suite = loadSuite(suiteFile('base: proto-base.yaml\ngrid: {seed: [0]}\n'));
    expect(() => expandSuite(suite, { outputRoot: dir })).toThrow(
      `${path.join(dir, 'proto-base.yaml')}:2: ${message('prototype')}`,
    );
  });
});
