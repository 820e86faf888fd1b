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

  it('pretrain rebuilds a lost, empty or truncated trajectory.csv instead of calling the run done', () => {
    const spec = writeTinySpec(
      dir,
      { backend: 'cpu', epochs: 2, track: { every: 1, subset: 12, probes: ['ncc'] } },
      'tracked.yaml',
    );
    const out = path.join(dir, 'tracked');
    const first = cone(['pretrain', '--config', spec, '--out', out, '--quiet']);
    expect(first.code).toBe(0);
    const runDir = first.stdout.trim();
    const file = path.join(runDir, 'trajectory.csv');
    const before = fs.readFileSync(file, 'utf8');
    const lines = before.split('\n');
    const damages: [string, () => void][] = [
      ['lost', () => fs.rmSync(file)],
      ['empty', () => fs.writeFileSync(file, '')],
      ['truncated', () => fs.writeFileSync(file, lines.slice(0, lines.length - 3).join('\n'))],
    ];
    for (const [what, damage] of damages) {
      damage();
      const again = cone(['pretrain', '--config', spec, '--out', out]);
      expect(again.code, what).toBe(0);
      expect(again.stderr, what).toMatch(/done, but .*trajectory\.csv.*; rebuilding from the checkpoint/);
      expect(fs.readFileSync(file, 'utf8'), what).toBe(before);
    }
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
    // A truncated split.json (it still exists) is rebuilt like a missing one.
    const split = path.join(runDir, 'split.json');
    fs.writeFileSync(split, before['split.json'].slice(0, before['split.json'].length >> 1));
    const third = cone(['longtail', '--config', spec, '--method', 'ce', '--out', out]);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/split\.json: not valid JSON.*rebuilding from the checkpoint/);
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

describe('a damaged derived file of a suite cell is never used', () => {
  // The repro: two seeds, so a cell that silently drops out shows as a wrong mean.
  const suite = path.join(dir, 'damaged.yaml');
  const out = path.join(dir, 'damaged');
  const suiteDir = path.join(out, 'damaged');
  const runs = () => fs.readdirSync(path.join(suiteDir, 'runs')).map((n) => path.join(suiteDir, 'runs', n));
  const summary = () => fs.readFileSync(path.join(suiteDir, 'summary.csv'), 'utf8');
  const dryRun = () => cone(['run', suite, '--out', out, '--dry-run']).stdout;
  const run = () => cone(['run', suite, '--out', out, '--backend', 'cpu', '--quiet']);
  let original = '';

  it('runs the suite', () => {
    const { method: _, ...cellSpec } = tinySpec({ epochs: 2, probe: { probes: ['linear', 'knn', 'ncc'] } });
    fs.writeFileSync(
      suite,
      YAML.stringify({ name: 'damaged', spec: cellSpec, grid: { 'method.name': ['ce'], seed: [0, 1] } }),
    );
    expect(run().code).toBe(0);
    original = summary();
    expect(original).toMatch(/,fine\.ncc,/);
  }, 300_000);

  it('a probe.csv that is empty, header-only, non-numeric or lacks a probe the suite asks for is re-probed', () => {
    const [runDir] = runs();
    const probe = path.join(runDir, 'probe.csv');
    const good = fs.readFileSync(probe, 'utf8');
    const [header, ...rows] = good.trim().split('\n');
    const damages: [string, string][] = [
      ['empty', ''],
      ['header only', `${header}\n`],
      ['non-numeric', [header, ...rows.map((r) => r.replace(/,(0\.\d+|1),/, ',n/a,'))].join('\n')],
      ['without ncc', [header, ...rows.filter((r) => !r.includes(',ncc,'))].join('\n')],
    ];
    for (const [what, text] of damages) {
      fs.writeFileSync(probe, text);
      expect(dryRun(), what).toMatch(/2 cells, 1 done, 1 to run/);
    }
    fs.writeFileSync(probe, good);
    expect(dryRun()).toMatch(/2 cells, 2 done, 0 to run/);
    // issue 22.5: re-probing a suite's run with fewer probes does not make the suite drop one.
    const probed = cone(['probe', '--features', path.join(runDir, 'features'), '--probe', 'linear', 'knn']);
    expect(probed.code).toBe(0);
    expect(fs.readFileSync(probe, 'utf8')).not.toMatch(/,ncc,/);
    const again = run();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(summary()).toBe(original);
  }, 300_000);

  it('a manifest.json that is not JSON is recovered from the checkpoint, and status still prints its table', () => {
    const [runDir] = runs();
    const manifest = path.join(runDir, 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').slice(0, 40));
    const status = cone(['status', suite, '--out', out]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(path.basename(runs()[1]));
    const again = run();
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /^warning: .*manifest\.json: not valid JSON .*recovering the run from its checkpoint\n$/,
    );
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8'))).toMatchObject({
      status: 'done',
      details: { resumed_from: 'unreadable manifest', epochs: 2 },
    });
    expect(summary()).toBe(original);
  }, 300_000);

  it('a meta.json with fields of the wrong type is refused in one line naming the file and field', () => {
    const features = path.join(runs()[1], 'features');
    const file = path.join(features, 'meta.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), fine_names: 4 }));
    const r = cone(['probe', '--features', features]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cone: ${file}: fine_names must be array; run cone extract again\n`);
    // In the suite the cell is not done; its run rebuilds the folder (extract rewrites meta.json).
    expect(dryRun()).toMatch(/2 cells, 1 done, 1 to run/);
    expect(run().code).toBe(0);
    expect(summary()).toBe(original);
  }, 300_000);
});
