import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { cone, coneAsync } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-run-tune-'));
const out = path.join(dir, 'results');

function suite(name: string): string {
  const file = path.join(dir, `${name}.yaml`);
  const { method: _m, ...spec } = tinySpec({ epochs: 2, backend: 'wasm', probe: { probes: ['knn'] } });
  fs.writeFileSync(
    file,
    YAML.stringify({
      name,
      spec,
      grid: { 'method.name': ['ce', 'etf-ce'] },
      tune: { fields: { 'optimizer.lr': [0.01, 0.1], 'method.scale': [4, 16] }, epochs: 1 },
    }),
  );
  return file;
}

describe('cone run with tune: (command line)', () => {
  it('on Slurm submits the tuning cells and says the others wait for a second cone run', () => {
    const r = cone(['run', suite('slurm'), '--launcher', 'slurm', '--out', out, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // ce: 2 learning rates; etf-ce: 2 x 2 (ce has no scale). The 2 main cells are not known yet.
    expect(r.stdout).toMatch(/^slurm: 6 cells, 0 done, 0 pending or running in Slurm, 6 to submit/);
    expect(r.stdout).toMatch(/#SBATCH --array=0-5\n/);
    expect(r.stdout).toContain('2 more cells wait for their tuning');
    expect(r.stdout).toContain('run this command again to submit them');
  });

  it('runs tuning and then the grid with --jobs 2, lists both with --dry-run and cone status', async () => {
    const file = suite('local');
    const before = cone(['run', file, '--out', out, '--dry-run']);
    expect(before.code).toBe(0);
    expect(before.stdout.match(/^pending .* \(tuning\)/gm)?.length).toBe(6);
    expect(before.stdout).toContain('6 cells, 0 done, 6 to run; 2 more wait for their tuning');

    const r = await coneAsync(['run', file, '--out', out, '--jobs', '2', '--quiet'], { timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tuned ce: optimizer\.lr=0\.(01|1) \((lowest|highest) tried: widen the range\)$/m);
    expect(r.stdout).toMatch(/^tuned etf-ce: optimizer\.lr=.*, method\.scale=(4|16)/m);
    const rows = readCsv(path.join(out, 'local', 'tuning.csv'));
    expect(rows.length).toBe(6);
    expect(rows.filter((x) => x.chosen === 'true').map((x) => x.method)).toEqual(['ce', 'etf-ce']);

    const after = cone(['run', file, '--out', out, '--dry-run']);
    expect(after.stdout).toContain('8 cells, 8 done, 0 to run\n');
    const status = cone(['status', file, '--out', out]);
    expect(status.code).toBe(0);
    expect(status.stdout.match(/\(tuning\) +\| done/g)?.length).toBe(6);
    expect(status.stdout).toContain('local: 8 cells: 8 done');
  }, 300_000);
});
