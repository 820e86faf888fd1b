import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/config/load.js';
import { expandSuite, MAX_SUITE_CELLS } from '../../src/suite/expand.js';
import { loadSuite } from '../../src/suite/load.js';
import { overridesOf } from '../helpers/overrides.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-suite-'));
let files = 0;
function suiteFile(text: string): string {
  const f = path.join(dir, `suite${++files}.yaml`);
  fs.writeFileSync(f, text);
  return f;
}

describe('suite expansion', () => {
  it('crosses every grid field, in order, with the base spec and the suite spec', () => {
    fs.writeFileSync(path.join(dir, 'base.yaml'), 'dataset: {name: mnist}\nepochs: 4\nmodel: {feature_dim: 64}\n');
    const suite = loadSuite(
      suiteFile('base: base.yaml\nspec: {epochs: 2}\ngrid:\n  method.name: [ce, cone]\n  seed: [0, 1, 2]\n'),
    );
    const cells = expandSuite(suite, { outputRoot: '/tmp/r' });
    expect(cells.map((c) => `${c.spec.method.name}:${c.spec.seed}`)).toEqual([
      'ce:0',
      'ce:1',
      'ce:2',
      'cone:0',
      'cone:1',
      'cone:2',
    ]);
    for (const c of cells) {
      expect(c.spec.epochs).toBe(2);
      expect(c.spec.model.feature_dim).toBe(64);
      expect(c.runDir).toBe(path.join('/tmp/r', suite.name, 'runs', c.runId));
    }
    expect(new Set(cells.map((c) => c.runId)).size).toBe(6);
  });

  it('drops a method parameter from methods that do not have it, so ce is one cell per seed', () => {
    const suite = loadSuite(suiteFile('grid:\n  method.name: [ce, cone]\n  method.theta: [20, 30]\n'));
    const cells = expandSuite(suite, { outputRoot: '/tmp/r' });
    expect(cells.map((c) => [c.spec.method.name, c.spec.method.theta ?? null])).toEqual([
      ['ce', null],
      ['cone', 20],
      ['cone', 30],
    ]);
    expect(cells[1].overrides).toEqual({ 'method.theta': 20 });
    expect(cells[0].overrides).toEqual({});
  });

  it('reports invalid cells with the suite file and the grid values', () => {
    const suite = loadSuite(suiteFile('grid:\n  method.name: [cone]\n  method.theta: [30, 70]\n'));
    expect(() => expandSuite(suite, { outputRoot: '/tmp/r' })).toThrow(
      /cell 2: .*"method.theta":70.*method\.theta: must be below 52\.2/,
    );
  });

  it('rejects a suite without a grid and an unknown key', () => {
    expect(() => loadSuite(suiteFile('name: x\n'))).toThrow(/must have required property 'grid'/);
    expect(() => loadSuite(suiteFile('grid: {seed: [0]}\nexpectation: []\n'))).toThrow(
      /additional properties 'expectation'/,
    );
  });

  it('refuses more than MAX_SUITE_CELLS cells before expanding the grid, at once (issue 20: 64M cells aborted V8)', () => {
    const values = `[${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`;
    const keys = Array.from({ length: 6 }, (_, i) => `  model.k${i}: ${values}\n`).join('');
    const f = suiteFile(`grid:\n${keys}`);
    const started = Date.now();
    expect(() => expandSuite(loadSuite(f), { outputRoot: '/tmp/r' })).toThrow(
      `${f}: grid: 20 x 20 x 20 x 20 x 20 x 20 = 64000000 cells, over the 10000 a suite may have`,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(MAX_SUITE_CELLS).toBe(10_000);
  });

  it("names a problem of the suite's spec block or base file once, at its line, not once per cell (issue 20)", () => {
    fs.writeFileSync(path.join(dir, 'typo-base.yaml'), 'epochs: 2\nmodel: {feature_dimm: 8}\n');
    const f = suiteFile(
      'base: typo-base.yaml\nspec:\n  batch_size: zero\ngrid:\n  seed: [0, 1, 2, 3, 4]\n  method.name: [ce, cone]\n',
    );
    let problems: string[] = [];
    try {
      expandSuite(loadSuite(f), { outputRoot: '/tmp/r' });
    } catch (e) {
      problems = (e as SpecError).problems;
    }
    expect(problems).toEqual([
      `${f}:3: batch_size: expected integer (got "zero")`,
      `${path.join(dir, 'typo-base.yaml')}:2: model.feature_dimm: unknown key (did you mean 'feature_dim'?); known keys: name, feature_dim, width, hidden, batch_norm`,
    ]);
  });

  it('reads a base file as a spec file is read: a device is refused at once (issue 20: base: /dev/zero grew to 17 GB)', () => {
    const f = suiteFile('base: /dev/zero\ngrid:\n  seed: [0]\n');
    expect(() => expandSuite(loadSuite(f), { outputRoot: '/tmp/r' })).toThrow(
      '/dev/zero: not a regular file (a device, pipe or socket); give the spec YAML file',
    );
  });

  it('refuses seeds that are not safe integers, from the grid and the spec block (issue 20)', () => {
    const f = suiteFile('grid:\n  seed: [0, 9007199254740993]\n');
    expect(() => expandSuite(loadSuite(f), { outputRoot: '/tmp/r' })).toThrow(
      /cell 2: .*seed: must be <= 9007199254740991 \(got 9007199254740992\)/,
    );
    const g = suiteFile('spec: {seed: 1e20}\ngrid:\n  method.name: [ce]\n');
    expect(() => expandSuite(loadSuite(g), { outputRoot: '/tmp/r' })).toThrow(
      `${g}:1: seed: must be <= 9007199254740991`,
    );
  });
});

describe('suite expansion with command-line overrides', () => {
  const grid = 'grid:\n  method.name: [ce, cone]\n  seed: [0, 1]\n';

  it('applies them to every cell that uses them, and so changes the run ids', () => {
    const suite = loadSuite(suiteFile(grid));
    const plain = expandSuite(suite, { outputRoot: '/tmp/r' });
    const cells = expandSuite(suite, {
      outputRoot: '/tmp/r',
      overrides: overridesOf({ epochs: 2, 'method.theta': 30 }),
    });
    expect(cells.map((c) => c.spec.epochs)).toEqual([2, 2, 2, 2]);
    expect(cells.map((c) => c.spec.method.theta ?? null)).toEqual([null, null, 30, 30]);
    expect(cells.every((c, i) => c.runId !== plain[i].runId)).toBe(true);
    // Execution fields change no run id.
    const cpu = expandSuite(suite, { outputRoot: '/tmp/r', overrides: overridesOf({ backend: 'cpu', threads: 1 }) });
    expect(cpu.map((c) => c.runId)).toEqual(plain.map((c) => c.runId));
    expect(cpu[0].spec.backend).toBe('cpu');
  });

  it('refuses a grid key, the output folder, a parameter no cell uses, and names the override in errors', () => {
    const suite = loadSuite(suiteFile(grid));
    const expand = (o: Record<string, unknown>) => () =>
      expandSuite(suite, { outputRoot: '/tmp/r', overrides: overridesOf(o) });
    expect(expand({ seed: 5 })).toThrow(`seed=5: seed is a grid key of ${suite.file}; change its grid: values instead`);
    expect(expand({ method: { name: 'ce' } })).toThrow(/method\.name is a grid key/);
    expect(expand({ output: '/x' })).toThrow(/^output="\/x": a suite writes its runs under --out/);
    expect(expand({ 'method.tau': 2 })).toThrow('method.tau=2: none of the methods run uses it (ce, cone)');
    expect(expand({ epochs: 0 })).toThrow(new SpecError(['epochs=0: epochs: must be >= 1 (got 0)']));
  });
});
