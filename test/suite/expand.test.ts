import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSuite } from '../../src/suite/expand.js';
import { loadSuite } from '../../src/suite/load.js';

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
});
