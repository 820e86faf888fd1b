import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { loadSpec, MAX_YAML_FILE_BYTES, SpecError } from '../../src/config/load.js';
import { ROOT } from '../helpers/cli.js';
import { runId, specHash } from '../../src/config/hash.js';
import { overridesOf } from '../helpers/overrides.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-spec-'));
function specFile(name: string, text: string | Uint8Array): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}
function problems(file: string, overrides = {}): string[] {
  try {
    loadSpec(file, overridesOf(overrides));
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as SpecError).problems;
  }
  throw new Error('spec was accepted');
}

describe('spec loading', () => {
  it('fills every default and resolves theta to 0.8 of the largest cone for the coarse classes', () => {
    const spec = loadSpec(specFile('min.yaml', 'dataset: {name: mnist}\nmethod: {name: cone}\n'));
    expect(spec.name).toBe('min');
    expect(spec.epochs).toBe(10);
    expect(spec.optimizer.name).toBe('sgd');
    expect(spec.dataset.level).toBe('coarse');
    // 5 coarse MNIST classes: phi = acos(-1/4) = 104.48 deg, limit phi/2 = 52.24, theta = 41.79.
    expect(spec.method.theta).toBeCloseTo((0.8 * (Math.acos(-1 / 4) * 180)) / Math.PI / 2, 3);
  });

  it('reports an unknown key (with a suggestion), a wrong type and an out-of-range value, one line each', () => {
    const f = specFile('bad.yaml', 'epochs: ten\nbatch_size: 0\nmethod:\n  name: cone\n  thetaa: 30\n');
    const p = problems(f);
    expect(p).toHaveLength(3);
    expect(p.find((l) => l.includes('method.thetaa'))).toMatch(
      /bad\.yaml:5: method\.thetaa: unknown key \(did you mean 'theta'\?\)/,
    );
    expect(p.find((l) => l.includes('epochs'))).toMatch(/bad\.yaml:1: epochs: expected integer \(got "ten"\)/);
    expect(p.find((l) => l.includes('batch_size'))).toMatch(/bad\.yaml:2: batch_size: must be >= 1 \(got 0\)/);
  });

  it('bounds theta by half the ETF angle of the training classes', () => {
    const f = specFile('theta.yaml', 'dataset: {name: mnist, level: coarse}\nmethod: {name: cone, theta: 60}\n');
    const p = problems(f);
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(`${f}:2: method.theta: must be below 52.2 degrees for 5 classes (got 60)`);
  });

  it('names the line and column of a YAML syntax error', () => {
    const f = specFile('syntax.yaml', 'epochs: 3\nmethod: {name: cone\n');
    expect(problems(f)[0]).toMatch(new RegExp(`^${f.replace(/[.]/g, '\\.')}:\\d+:\\d+: YAML syntax error`));
  });

  it('says in one line that a suite file is not a spec', () => {
    const f = specFile('suite.yaml', 'name: s\nbase: min.yaml\npipeline: transfer\ngrid: {seed: [0, 1]}\n');
    expect(problems(f)).toEqual([
      `${f}: a suite (it has grid:), not a spec; list its cells with \`cone run ${f} --dry-run\``,
    ]);
  });

  it('says when the file is missing', () => {
    expect(problems(path.join(dir, 'nope.yaml'))).toEqual([`${path.join(dir, 'nope.yaml')}: spec file not found`]);
  });

  it('lets command-line overrides win and says so in errors', () => {
    const f = specFile('o.yaml', 'epochs: 3\n');
    expect(loadSpec(f, overridesOf({ epochs: 7, 'method.name': 'ce' })).epochs).toBe(7);
    expect(problems(f, { epochs: 0 })).toEqual(['epochs=0: epochs: must be >= 1 (got 0)']);
  });

  it('needs feature_dim >= classes for the ETF methods', () => {
    const f = specFile(
      'd.yaml',
      'dataset: {name: mnist, level: fine}\nmodel: {feature_dim: 8}\nmethod: {name: etf-ce}\n',
    );
    expect(problems(f)[0]).toMatch(/model\.feature_dim: must be at least the number of classes \(10\)/);
  });

  it('hashes what is computed, not where or how fast', () => {
    const f = specFile('h.yaml', 'epochs: 3\n');
    const a = loadSpec(f);
    const b = loadSpec(f, overridesOf({ output: '/elsewhere', backend: 'cpu', threads: 1 }));
    const c = loadSpec(f, overridesOf({ seed: 1 }));
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).not.toBe(specHash(c));
    expect(runId(a)).toMatch(/^mnist-cone-s0-[0-9a-f]{8}$/);
  });

  it('reports thousands of unknown keys in linear time: the first 20 and a count of the rest', () => {
    const keys = Array.from({ length: 30_000 }, (_, i) => `k${i}: 1`).join('\n');
    const p = problems(specFile('many-keys.yaml', `epochs: 2\n${keys}\n`));
    expect(p).toHaveLength(21);
    expect(p[0]).toMatch(/many-keys\.yaml:2: k0: unknown key/);
    expect(p[20]).toBe(`${path.join(dir, 'many-keys.yaml')}: 29980 more unknown keys not listed`);
  }, 120_000); // before the fix: 308 s (quadratic duplicate-key check and key lookups)

  it('still reports a duplicate key with its line, and refuses an alias bomb', () => {
    expect(problems(specFile('dup.yaml', 'epochs: 2\nseed: 1\nepochs: 3\n'))).toEqual([
      `${path.join(dir, 'dup.yaml')}:3:1: YAML syntax error: duplicate key 'epochs'`,
    ]);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(problems(specFile('bomb.yaml', bomb))[0]).toMatch(/bomb\.yaml: YAML aliases expand to too many values/);
  });

  it('refuses a subset with fewer samples than fine classes (a class would be absent)', () => {
    expect(problems(specFile('subset.yaml', 'dataset: {name: mnist, subset: 9}\n'))).toEqual([
      `${path.join(dir, 'subset.yaml')}:1: dataset.subset: must be at least the 10 fine classes, or a class has no sample (got 9)`,
    ]);
  });

  it('keeps the run ids of specs without tracking (track.every: 0, the default) as they were', () => {
    const f = specFile('t.yaml', 'epochs: 3\n');
    // The ids this spec had before `track` existed.
    expect(runId(loadSpec(f))).toBe('mnist-cone-s0-71519f1e');
    expect(runId(loadSpec(f), 'longtail')).toBe('mnist-cone-s0-f895db53');
    expect(runId(loadSpec(f, overridesOf({ 'track.subset': 500, 'track.probes': ['ncc'] })))).toBe(
      'mnist-cone-s0-71519f1e',
    );
    expect(runId(loadSpec(f, overridesOf({ 'track.every': 2 })))).not.toBe('mnist-cone-s0-71519f1e');
  });

  it('hashes the synthetic block only for the synthetic dataset (other ids stay when its defaults change)', () => {
    const f = specFile('u.yaml', 'epochs: 3\n');
    expect(runId(loadSpec(f, overridesOf({ 'dataset.synthetic.noise': 5 })))).toBe('mnist-cone-s0-71519f1e');
    const s = specFile('syn.yaml', 'dataset: {name: synthetic}\nmodel: {name: mlp}\n');
    expect(loadSpec(s).dataset.synthetic?.noise).toBe(2);
    expect(runId(loadSpec(s, overridesOf({ 'dataset.synthetic.noise': 1 })))).not.toBe(runId(loadSpec(s)));
  });

  it('validates the track block', () => {
    const f = specFile('tb.yaml', 'track: {every: -1, subset: 0, probes: [linear, svm]}\n');
    const p = problems(f);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/tb\.yaml:1: track\.every: must be >= 0 \(got -1\)/),
        expect.stringMatching(/track\.subset: must be >= 1 \(got 0\)/),
        expect.stringMatching(/track\.probes\.1: must be one of linear, .*kmeans \(got "svm"\)/),
      ]),
    );
    expect(problems(specFile('ts.yaml', 'track: {every: 1, subset: 5}\n'))[0]).toMatch(
      /ts\.yaml:1: track\.subset: must be at least the number of fine classes \(10\)/,
    );
    expect(problems(specFile('tu.yaml', 'track: {every: 1, probes: [knn, knn]}\n'))[0]).toMatch(/track\.probes: /);
  });

  it('reads only a regular file of at most 1 MiB, at once (issue 20: /dev/zero grew to 17 GB)', () => {
    const started = Date.now();
    expect(problems('/dev/zero')).toEqual([
      '/dev/zero: not a regular file (a device, pipe or socket); give the spec YAML file',
    ]);
    const fifo = path.join(dir, 'fifo.yaml');
    if (spawnSync('mkfifo', [fifo]).status === 0) expect(problems(fifo)[0]).toMatch(/not a regular file/);
    const big = specFile('big.yaml', `epochs: 2\n# ${'x'.repeat(MAX_YAML_FILE_BYTES)}\n`);
    expect(problems(big)).toEqual([`${big}: larger than the 1 MiB a spec file may have; give the spec YAML file`]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(MAX_YAML_FILE_BYTES).toBe(1024 * 1024);
  });

  it('says in one line that a file is not YAML, and refuses bytes that are not UTF-8 (issue 20)', () => {
    const readme = path.join(dir, 'README.md');
    fs.copyFileSync(path.join(ROOT, 'README.md'), readme);
    const p = problems(readme);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/README\.md:\d+:\d+: YAML syntax error: .* \(and \d+ more; is this a YAML spec file\?\)$/);
    const latin1 = specFile('latin1.yaml', Buffer.from('epochs: 2\noutput: caf\xe9\n', 'latin1'));
    expect(problems(latin1)).toEqual([`${latin1}: not UTF-8 text; give the spec YAML file (saved as UTF-8)`]);
  });

  it('refuses __proto__, constructor and prototype as keys, with their line (issue 20)', () => {
    const f = specFile('proto.yaml', 'epochs: 2\nmodel:\n  prototype: 1\n__proto__: {x: 1}\n');
    expect(problems(f)).toEqual([
      `${f}:3: 'prototype' cannot be a field name (__proto__, constructor and prototype are refused)`,
      `${f}:4: '__proto__' cannot be a field name (__proto__, constructor and prototype are refused)`,
    ]);
  });

  it('refuses numbers that are not finite in any numeric field (issue 20: lr .inf trained to a NaN loss)', () => {
    const f = specFile('inf.yaml', 'optimizer: {lr: .inf}\nmethod: {name: cone, scale: .nan}\nprobe: {C: -.inf}\n');
    expect(problems(f).sort()).toEqual([
      `${f}:1: optimizer.lr: must be a finite number (got Infinity)`,
      `${f}:2: method.scale: must be a finite number (got NaN)`,
      `${f}:3: probe.C: must be a finite number (got -Infinity)`,
    ]);
  });

  it('refuses a seed that is not a safe integer, in the file and as an override (issue 20)', () => {
    // 2^53 + 1 is read as 2^53: it and its neighbour would be one run.
    const f = specFile('seed.yaml', 'seed: 9007199254740993\n');
    expect(problems(f)).toEqual([`${f}:1: seed: must be <= 9007199254740991 (got 9007199254740992)`]);
    const ok = specFile('seed-ok.yaml', 'seed: 9007199254740991\n');
    expect(loadSpec(ok).seed).toBe(Number.MAX_SAFE_INTEGER);
    expect(problems(ok, { seed: 2 ** 60 })[0]).toMatch(/^seed=\d+: seed: must be <= 9007199254740991/);
  });
});

describe('base: in a spec', () => {
  it('merges the file over its base (and the base over its own base), lists replaced', () => {
    specFile('root.yaml', 'epochs: 4\nmodel: {feature_dim: 64, hidden: [8, 8, 8]}\noptimizer: {lr: 0.2}\n');
    specFile('mid.yaml', 'base: root.yaml\nepochs: 5\nmethod: {name: cone, theta: 20}\n');
    const f = specFile('top.yaml', 'base: mid.yaml\nmodel: {hidden: [4]}\n');
    const s = loadSpec(f);
    expect([s.epochs, s.model.feature_dim, s.model.hidden, s.optimizer.lr, s.method.theta]).toEqual([
      5,
      64,
      [4],
      0.2,
      20,
    ]);
    expect(s.name).toBe('top');
    // The same fields written out in one file are the same run.
    const flat = specFile(
      'flat.yaml',
      'epochs: 5\nmodel: {feature_dim: 64, hidden: [4]}\noptimizer: {lr: 0.2}\nmethod: {name: cone, theta: 20}\n',
    );
    expect(specHash(loadSpec(flat))).toBe(specHash(s));
  });

  it("keeps only the base's method parameters that a file's other method uses", () => {
    specFile('cone-base.yaml', 'method: {name: cone, theta: 20}\n');
    const s = loadSpec(specFile('ce-child.yaml', 'base: cone-base.yaml\nmethod: {name: ce}\n'));
    expect(s.method).toEqual({ name: 'ce', label_smoothing: 0 });
  });

  it('refuses a cycle, a missing base and a base that is not a path', () => {
    const a = specFile('cyc-a.yaml', 'base: cyc-b.yaml\n');
    specFile('cyc-b.yaml', 'base: cyc-a.yaml\n');
    expect(problems(a)[0]).toMatch(
      /cyc-b\.yaml: base: cyc-a\.yaml makes a cycle \(.*cyc-a\.yaml -> .*cyc-b\.yaml -> .*cyc-a\.yaml\)/,
    );
    expect(problems(specFile('self.yaml', 'base: self.yaml\n'))[0]).toMatch(/makes a cycle/);
    expect(problems(specFile('nob.yaml', 'base: none.yaml\n'))[0]).toMatch(/nob\.yaml: base: none\.yaml not found/);
    expect(problems(specFile('num.yaml', 'base: 3\n'))).toEqual([
      `${path.join(dir, 'num.yaml')}: base: expected the path of a spec file (got 3)`,
    ]);
  });

  it("points at the base file's line for a bad field that comes from the base", () => {
    specFile('bad-base.yaml', 'seed: 0\nepochs: ten\n');
    expect(problems(specFile('good-child.yaml', 'base: bad-base.yaml\nseed: 1\n'))).toEqual([
      `${path.join(dir, 'bad-base.yaml')}:2: epochs: expected integer (got "ten")`,
    ]);
  });
});

describe('overrides of a spec', () => {
  it('name the override in errors, check it as the file is checked, and change the run id', () => {
    const f = specFile('ov.yaml', 'method: {name: cone}\n');
    const theta = problems(f, { 'method.theta': 90 });
    expect(theta).toHaveLength(1);
    expect(theta[0]).toMatch(/^method\.theta=90: method\.theta: must be below [\d.]+ degrees for 5 classes \(got 90\)/);
    expect(problems(f, { 'optimizer.lrr': 1 })[0]).toMatch(
      /^optimizer\.lrr=1: optimizer\.lrr: unknown key \(did you mean 'lr'\?\)/,
    );
    expect(runId(loadSpec(f, overridesOf({ 'method.theta': 30 })))).not.toBe(runId(loadSpec(f)));
  });

  it('apply a method chosen on the command line with the file parameters it uses, and refuse one it does not', () => {
    const f = specFile('ov2.yaml', 'method: {name: cone, theta: 20}\n');
    expect(loadSpec(f, overridesOf({ 'method.name': 'ce' })).method.name).toBe('ce');
    expect(problems(f, { 'method.name': 'ce', 'method.theta': 30 })[0]).toMatch(
      /^method\.theta=30: method\.theta: not a parameter of ce/,
    );
  });
});
