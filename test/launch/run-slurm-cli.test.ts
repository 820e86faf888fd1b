import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { cone } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-run-slurm-'));
const out = path.join(dir, 'results');

function suite(name: string, launcher: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  const { method: _m, ...spec } = tinySpec();
  fs.writeFileSync(file, YAML.stringify({ name, spec, grid: { 'method.name': ['ce', 'cone'] }, launcher }));
  return file;
}

describe('cone run --launcher slurm (command line)', () => {
  it('--dry-run prints both scripts with the suite settings and flags, and submits nothing', () => {
    const file = suite('dry', { partition: 'gpu', gres: 'gpu:1', cpus_per_task: 4 });
    const r = cone([
      'run',
      file,
      '--launcher',
      'slurm',
      '--out',
      out,
      '--dry-run',
      '--partition',
      'short',
      '--sbatch-arg=--constraint=a100',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dry: 2 cells, 0 done, 0 pending or running in Slurm, 2 to submit/);
    expect(r.stdout).toMatch(/#SBATCH --array=0-1\n/);
    expect(r.stdout).toMatch(/#SBATCH --partition=short\n/);
    expect(r.stdout).toMatch(/#SBATCH --gres=gpu:1\n/);
    expect(r.stdout).toMatch(/#SBATCH --cpus-per-task=4\n/);
    expect(r.stdout).toMatch(/#SBATCH --constraint=a100\n/);
    expect(r.stdout).toMatch(
      new RegExp(`# sbatch --parsable --dependency=afterany:<array job> ${out}/dry/slurm/1-finalize\\.sh\\n`),
    );
    expect(fs.existsSync(path.join(out, 'dry'))).toBe(false);
  });

  it('refuses bad settings in one line naming the file and field (exit 2)', () => {
    const r = cone(['run', suite('bad', { time: '2', signal_before: 300 }), '--launcher', 'slurm', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/bad\.yaml: launcher\.signal_before: 300 s is not before the time limit 2 \(120 s\)/),
    ]);
    const local = cone(['run', suite('flags', {}), '--partition', 'gpu', '--out', out]);
    expect(local.code).toBe(2);
    expect(local.stderr.trim()).toBe('cone: --partition is a Slurm setting: add --launcher slurm (or drop it)');
  });

  it('says so in one line when Slurm is not installed (exit 1)', () => {
    const r = cone(['run', suite('nosbatch', {}), '--launcher', 'slurm', '--out', out], { env: { PATH: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'cone: sbatch not found: run this on a Slurm login node (Debian: apt-get install slurm-client), or use --launcher local',
    );
  });
});
