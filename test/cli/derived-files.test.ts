import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { cone } from '../helpers/cli.js';
import { tinySpec, writeTinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-derived-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = (runDir: string, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(runDir, n), 'utf8')]));
const remove = (runDir: string, names: string[]) =>
  names.forEach((n) => fs.rmSync(path.join(runDir, n), { recursive: true }));

describe('files derived from a finished run are rebuilt when lost', () => {
  it('pretrain rebuilds a deleted metrics.csv from the checkpoint state', () => {
    const spec = writeTinySpec(dir, { backend: 'cpu' }, 'pretrain.yaml');
    const out = path.join(dir, 'pretrain');
    const first = cone(['pretrain', '--config', spec, '--out', out, '--quiet']);
    expect(first.code).toBe(0);
    const runDir = first.stdout.trim();
    const before = read(runDir, ['metrics.csv', 'spec.yaml']);
    remove(runDir, ['metrics.csv', 'spec.yaml']);
    const again = cone(['pretrain', '--config', spec, '--out', out, '--quiet']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(read(runDir, ['metrics.csv', 'spec.yaml'])).toEqual(before);
  });

  it('longtail rebuilds metrics.csv, longtail.csv and per_class.csv', () => {
    const spec = writeTinySpec(
      dir,
      { backend: 'cpu', dataset: { level: 'fine' }, longtail: { imbalance: 5 } },
      'lt.yaml',
    );
    const out = path.join(dir, 'longtail');
    const first = cone(['longtail', '--config', spec, '--method', 'ce', '--out', out, '--quiet']);
    expect(first.code).toBe(0);
    const [runDir] = fs.readdirSync(out).map((n) => path.join(out, n));
    const files = ['metrics.csv', 'longtail.csv', 'per_class.csv', 'split.json'];
    const before = read(runDir, files);
    remove(runDir, files);
    const again = cone(['longtail', '--config', spec, '--method', 'ce', '--out', out, '--quiet']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(read(runDir, files)).toEqual(before);
  });

  it('a suite cell whose derived files are gone is not done, and running the suite again rebuilds them', () => {
    const suite = path.join(dir, 'suite.yaml');
    const { method: _, ...cellSpec } = tinySpec({ probe: { probes: ['ncc'] } });
    fs.writeFileSync(
      suite,
      YAML.stringify({
        name: 'lost',
        spec: cellSpec,
        grid: { 'method.name': ['cone'] },
        expectations: ['coarse.accuracy(*) > 30'],
      }),
    );
    const out = path.join(dir, 'suite');
    expect(cone(['run', suite, '--out', out, '--backend', 'cpu', '--quiet']).code).toBe(0);
    const [runDir] = fs.readdirSync(path.join(out, 'lost', 'runs')).map((n) => path.join(out, 'lost', 'runs', n));
    const summary = fs.readFileSync(path.join(out, 'lost', 'summary.csv'), 'utf8');
    const files = ['metrics.csv', 'angles.csv', 'features/test.npy'];
    const before = read(runDir, files);
    for (const lost of files) {
      fs.renameSync(path.join(runDir, lost), path.join(dir, 'aside'));
      expect(cone(['run', suite, '--out', out, '--dry-run']).stdout, lost).toMatch(/1 cells, 0 done, 1 to run/);
      fs.renameSync(path.join(dir, 'aside'), path.join(runDir, lost));
    }
    remove(runDir, files);
    const again = cone(['run', suite, '--out', out, '--backend', 'cpu', '--quiet']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(read(runDir, files)).toEqual(before);
    expect(fs.readFileSync(path.join(out, 'lost', 'summary.csv'), 'utf8')).toBe(summary);
  }, 600_000);
});
