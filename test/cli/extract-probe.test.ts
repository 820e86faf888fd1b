import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { cone } from '../helpers/cli.js';
import { writeTinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-ep-'));
const spec = writeTinySpec(dir);
let runDir = '';

describe('pretrain -> extract -> probe through the CLI', () => {
  beforeAll(() => {
    const r = cone(['pretrain', '--config', spec, '--out', path.join(dir, 'runs'), '--backend', 'wasm', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    runDir = r.stdout.trim();
  });

  it('writes the run folder of a finished run', () => {
    expect(fs.readdirSync(runDir).sort()).toEqual([
      'checkpoint',
      'log.jsonl',
      'manifest.json',
      'metrics.csv',
      'spec.yaml',
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'manifest.json'), 'utf8'))).toMatchObject({
      status: 'done',
      backend: 'wasm',
    });
    expect(readCsv(path.join(runDir, 'metrics.csv'))).toHaveLength(3);
  });

  it('extracts float32 N×d features with int32 labels and meta.json', () => {
    const r = cone(['extract', '--run', runDir, '--split', 'both', '--quiet']);
    expect(r.code).toBe(0);
    const f = path.join(runDir, 'features');
    const train = readNpy(path.join(f, 'train.npy'));
    expect(train.dtype).toBe('<f4');
    expect(train.shape).toEqual([240, 8]);
    expect(readNpy(path.join(f, 'train.fine.npy')).dtype).toBe('<i4');
    expect(readNpy(path.join(f, 'test.coarse.npy')).shape).toEqual([90]);
    expect(readNpy(path.join(f, 'classifier.npy')).shape).toEqual([3, 8]);
    expect(JSON.parse(fs.readFileSync(path.join(f, 'meta.json'), 'utf8'))).toMatchObject({
      d: 8,
      method: 'cone',
      train_level: 'coarse',
      classifier: 'etf',
      fine_names: expect.any(Array),
    });
  });

  it('reads another dataset from --path', () => {
    const nowhere = path.join(dir, 'no-fashion');
    const r = cone(['extract', '--run', runDir, '--dataset', 'fashion-mnist', '--path', nowhere]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(nowhere);
  });

  it('probes at the fine level and writes probe.csv, geometry.csv and angles.csv (given the run folder)', () => {
    const r = cone(['probe', '--features', runDir, '--quiet']);
    expect(r.code).toBe(0);
    // One unit (issue 22 item 3): accuracies and fractions both in percent.
    expect(r.stdout).toMatch(/^\| fine linear +\| \d+\.\d\d% +\|$/m);
    expect(r.stdout).toMatch(/^\| in_cone_frac +\| \d+\.\d\d% +\|$/m);
    const probes = readCsv(path.join(runDir, 'probe.csv'));
    expect(probes.map((p) => p.probe)).toEqual(['linear', 'knn', 'knn-weighted', 'ncc', 'kmeans']);
    for (const p of probes) {
      expect(p.level).toBe('fine');
      expect(Number(p.accuracy)).toBeGreaterThan(1 / 6);
    }
    const geometry = readCsv(path.join(runDir, 'geometry.csv'));
    expect(Object.keys(geometry[0]).slice(0, 6)).toEqual(['run_id', 'split', 'level', 'features', 'nc1', 'nc1_ratio']);
    expect(geometry).toHaveLength(8); // 2 splits x 2 levels x (raw, l2)
    const angles = readCsv(path.join(runDir, 'angles.csv'));
    expect(angles.filter((a) => a.split === 'test').reduce((n, a) => n + Number(a.count), 0)).toBe(90);
  });

  describe('bad input: one line, exit 1, nothing written', () => {
    function broken(name: string, change: (f: string) => void): string {
      const copy = path.join(dir, name);
      fs.cpSync(path.join(runDir, 'features'), copy, { recursive: true });
      change(copy);
      return copy;
    }
    function expectRefused(featuresDir: string, message: RegExp): void {
      const r = cone(['probe', '--features', featuresDir]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(path.join(path.dirname(featuresDir), `probe-${path.basename(featuresDir)}.csv`))).toBe(
        false,
      );
      expect(fs.readdirSync(path.dirname(featuresDir)).filter((n) => n.endsWith('.csv'))).toEqual([]);
    }

    it('features and labels of different lengths', () => {
      expectRefused(
        broken('f1', (f) => writeNpy(path.join(f, 'train.fine.npy'), new Int32Array(5), [5])),
        /train\.fine\.npy: 5 labels for the 240 rows/,
      );
    });
    it('a non-float32 .npy', () => {
      expectRefused(
        broken('f2', (f) => writeNpy(path.join(f, 'test.npy'), new Int32Array(90 * 8), [90, 8])),
        /test\.npy: expected a float32 N×d array/,
      );
    });
    it('a run folder without features', () => {
      const run = path.join(dir, 'run-without-features');
      fs.mkdirSync(run);
      fs.copyFileSync(path.join(runDir, 'manifest.json'), path.join(run, 'manifest.json'));
      expectRefused(run, new RegExp(`${run}: a run folder without features; run cone extract --run ${run} first`));
    });
    it('a folder without meta.json', () => {
      expectRefused(
        broken('f3', (f) => fs.rmSync(path.join(f, 'meta.json'))),
        /no meta\.json/,
      );
    });
    it('a missing train split', () => {
      expectRefused(
        broken('f4', (f) => fs.rmSync(path.join(f, 'train.npy'))),
        /train\.npy: not found; run cone extract/,
      );
    });
    it('features with NaN or Inf', () => {
      const nan = broken('f5', (f) => {
        const x = readNpy(path.join(f, 'train.npy'));
        for (const i of [0, 7, 100, 500, 1919]) x.data[i] = i === 7 ? Infinity : NaN;
        writeNpy(path.join(f, 'train.npy'), x.data, x.shape);
      });
      expectRefused(nan, /train\.npy: 5 of 1920 values are not finite/);
    });
  });

  describe('runs whose weights cannot give features (issue 15)', () => {
    function copyRun(name: string): string {
      const copy = path.join(dir, 'copies', name);
      fs.cpSync(runDir, copy, { recursive: true });
      fs.rmSync(path.join(copy, 'features'), { recursive: true, force: true });
      return copy;
    }

    it('extract refuses a network whose features are not finite, and writes nothing', () => {
      const run = copyRun('nan-weights');
      const bin = path.join(run, 'checkpoint', 'weights.bin');
      fs.writeFileSync(bin, new Uint8Array(new Float32Array(fs.statSync(bin).size / 4).fill(NaN).buffer));
      const r = cone(['extract', '--run', run, '--split', 'both']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/train features have 1920 of 1920 values not finite.*nothing was written/);
      expect(fs.existsSync(path.join(run, 'features'))).toBe(false);
    });

    it('a truncated checkpoint of a finished run gives advice that works', () => {
      const run = copyRun('truncated');
      const bin = path.join(run, 'checkpoint', 'weights.bin');
      fs.truncateSync(bin, fs.statSync(bin).size - 10);
      const r = cone(['extract', '--run', run]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`delete the run folder ${run} to train the run again`);
      // Deleting only the checkpoint leaves a "done" run without weights: extract says so plainly.
      fs.rmSync(path.join(run, 'checkpoint'), { recursive: true });
      const again = cone(['extract', '--run', run]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/has no checkpoint.*delete the run folder/);
      expect(again.stderr).not.toMatch(/internal error|ENOENT/);
    });

    it('says "resuming" only when a checkpoint is loaded', () => {
      const out = path.join(dir, 'resume');
      const run = path.join(out, path.basename(runDir));
      fs.cpSync(runDir, run, { recursive: true });
      const manifest = path.join(run, 'manifest.json');
      const interrupted = { ...JSON.parse(fs.readFileSync(manifest, 'utf8')), status: 'interrupted' };
      fs.writeFileSync(manifest, JSON.stringify(interrupted));
      const resumed = cone(['pretrain', '--config', spec, '--out', out, '--backend', 'wasm']);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toMatch(/resuming from the checkpoint after 3 epochs/);
      // A run folder that failed before its first checkpoint starts from epoch 1, silently.
      fs.rmSync(path.join(run, 'checkpoint'), { recursive: true });
      fs.writeFileSync(manifest, JSON.stringify({ ...interrupted, status: 'failed' }));
      const fresh = cone(['pretrain', '--config', spec, '--out', out, '--backend', 'wasm']);
      expect(fresh.code).toBe(0);
      expect(fresh.stderr).not.toMatch(/resuming/);
    });
  });
});
