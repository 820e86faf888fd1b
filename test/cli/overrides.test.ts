import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cone } from '../helpers/cli.js';
import { tinySpec, writeTinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-overrides-'));
const spec = writeTinySpec(dir);
const runIdOf = (stdout: string) => /^# run id: (\S+)$/m.exec(stdout)?.[1];

describe('spec fields on the command line', () => {
  it('cone spec prints what key=value arguments and --field flags resolve to, the same either way', () => {
    const a = cone(['spec', spec, 'method.theta=30', 'optimizer.lr=0.1', '--epochs', '2', '--model.hidden', '[4, 4]']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const resolved = YAML.parse(a.stdout);
    expect([resolved.method.theta, resolved.optimizer.lr, resolved.epochs, resolved.model.hidden]).toEqual([
      30,
      0.1,
      2,
      [4, 4],
    ]);
    const b = cone(['spec', spec, '--method.theta=30', '--optimizer.lr', '0.1', 'epochs=2', 'model.hidden=[4,4]']);
    expect(runIdOf(b.stdout)).toBe(runIdOf(a.stdout));
    expect(runIdOf(a.stdout)).not.toBe(runIdOf(cone(['spec', spec]).stdout));
  });

  it('cone pretrain given the same arguments writes the run folder cone spec names, with that spec', () => {
    // The "done when": spec shows the resolved spec and run id of exactly the run pretrain makes.
    const runs = path.join(dir, 'pretrain-runs');
    const args = [spec, 'method.theta=30', 'optimizer.lr=0.1', '--epochs', '1', '--backend', 'wasm', '--out', runs];
    const shown = cone(['spec', ...args]);
    expect(shown.code).toBe(0);
    const run = cone(['pretrain', '--config', ...args, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const runDir = run.stdout.trim();
    expect(runDir).toBe(path.join(runs, runIdOf(shown.stdout)!));
    expect(YAML.parse(fs.readFileSync(path.join(runDir, 'spec.yaml'), 'utf8'))).toEqual(YAML.parse(shown.stdout));
  });

  it('checks them as the file is checked and names the override; a stray word or flag is refused', () => {
    const r = cone(['spec', spec, 'method.theta=90', '--print-config']);
    expect(r.code).toBe(2);
    // One flag, named once (not also as printConfig), and the help of the command given.
    expect(r.stderr).toBe('cone: Unknown argument: print-config\n(cone spec --help for usage)\n');
    const t = cone(['spec', spec, 'method.theta=90', 'optimizer']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^cone: optimizer: not an override; write a spec field and its value as key=value/);
    const v = cone(['spec', spec, 'method.theta=90']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(
      /^cone: method\.theta=90: method\.theta: must be below [\d.]+ degrees for 3 classes \(got 90\)[^\n]*\n$/,
    );
  });

  it('refuses flags a command does not use, pointing at its help', () => {
    const status = cone(['status', spec, '--backend', 'cpu']);
    expect(status.code).toBe(2);
    expect(status.stderr).toBe('cone: Unknown argument: backend\n(cone status --help for usage)\n');
    const info = cone(['datasets', 'info', 'synthetic', '--threads', '2']);
    expect(info.code).toBe(2);
    expect(info.stderr).toMatch(/\(cone datasets info --help for usage\)\n$/);
  });
});

describe('a suite run with overrides, then status and report', () => {
  const out = path.join(dir, 'results');
  const suite = path.join(dir, 'suite.yaml');
  const { method: _method, ...cellSpec } = tinySpec({ epochs: 3, probe: { probes: ['ncc'] } });
  fs.writeFileSync(suite, YAML.stringify({ name: 'ov', spec: cellSpec, grid: { 'method.name': ['ce', 'cone'] } }));

  it('runs every cell with them (in worker processes too), and status and report find those cells', () => {
    const run = cone(['run', suite, '--out', out, '--jobs', '2', 'epochs=1', 'method.theta=30', '--backend', 'wasm'], {
      timeoutMs: 300_000,
    });
    expect(run.stderr).not.toMatch(/failed|internal error/);
    expect(run.code).toBe(0);
    const dry = cone(['run', suite, '--out', out, '--dry-run', 'epochs=1', 'method.theta=30']);
    expect(dry.stdout).toMatch(/2 cells, 2 done, 0 to run/);
    const other = cone(['run', suite, '--out', out, '--dry-run']);
    // A cell without grid values shows none (it printed `{}`); a cell not run is pending, as status says.
    expect(other.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^pending {2}\[1\] synthetic-ce-s0-[0-9a-f]{8}$/),
      expect.stringMatching(/^pending {2}\[2\] synthetic-cone-s0-[0-9a-f]{8}$/),
    ]);
    for (const target of [path.join(out, 'ov'), suite]) {
      const s = cone(['status', target, '--out', out, '--json']);
      expect(s.code).toBe(0);
      const cells = JSON.parse(s.stdout).cells as { state: string; epochs: number }[];
      expect(cells.map((c) => [c.state, c.epochs])).toEqual([
        ['done', 1],
        ['done', 1],
      ]);
      const r = cone(['report', target, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(path.join(out, 'ov', 'report.html'));
    }
    const seed = cone(['run', suite, '--out', out, '--seed', '5', 'method.name=ce']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toBe(
      `cone: method.name=ce: method.name is a grid key of ${suite}; change its grid: values instead\n`,
    );
    // The record status reads is checked like any file cone wrote: a damaged one is named, not trusted.
    const origin = path.join(out, 'ov', 'suite-origin.json');
    fs.writeFileSync(origin, JSON.stringify({ suite_file: suite, output_root: out, overrides: [3] }));
    const damaged = cone(['status', path.join(out, 'ov')]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toBe(
      `cone: ${origin}: overrides.0 must be string; delete it and run the suite again (cone run <suite.yaml>) to rewrite it\n`,
    );
  });
});

describe('smaller things of the command line', () => {
  it('cone datasets alone names its subcommands', () => {
    const r = cone(['datasets']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'cone: datasets: name one of its commands: list, fetch, info\n(cone datasets --help for usage)\n',
    );
  });

  it('cone datasets list fits 100 columns, and info says how synthetic data comes about', () => {
    // An empty cache, so that cifar10 is absent and says how to get it wherever the test runs.
    const list = cone(['datasets', 'list'], { env: { CONE_CACHE_DIR: fs.mkdtempSync(path.join(dir, 'cache-')) } });
    expect(list.code).toBe(0);
    expect(Math.max(...list.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(list.stdout).toMatch(/^cifar10: .*\n {2}how to get it: cone datasets fetch cifar10/m);
    const info = cone(['datasets', 'info', 'synthetic', '--seed', '3']);
    expect(info.stdout.split('\n')[0]).toBe('synthetic: samples of shape 32, generated from seed 3');
  });
});

describe('help', () => {
  it.each([
    'datasets list',
    'datasets info',
    'datasets fetch',
    'spec',
    'pretrain',
    'extract',
    'probe',
    'run',
    'status',
    'longtail',
    'report',
    'bench',
  ])('cone %s --help says what every option is for', (command) => {
    const r = cone([...command.split(' '), '--help']);
    expect(r.code).toBe(0);
    const options = r.stdout.split('\n').filter((l) => /^\s+(-\w, )?--?[A-Za-z]/.test(l));
    expect(options.length).toBeGreaterThan(2);
    // An option without a description shows its type right after its name (extract --split did).
    const bare = options.filter((l) => !/^\s+(-\w, )?--?[A-Za-z][\w.-]*\s{2,}[^[\s]/.test(l));
    expect(bare).toEqual([]);
  });

  it('names the Slurm options of cone run (--account, --qos)', () => {
    const help = cone(['run', '--help']).stdout;
    expect(help).toMatch(/^\s+--account\s+account charged for the jobs/m);
    expect(help).toMatch(/^\s+--qos\s+quality of service of the jobs/m);
  });
});
