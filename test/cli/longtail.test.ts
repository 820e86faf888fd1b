import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { longtailCounts } from '../../src/data/longtail.js';
import { InterruptedError } from '../../src/errors.js';
import { readCsv } from '../../src/io/csv.js';
import { readNpy } from '../../src/io/npy.js';
import { readManifest } from '../../src/io/manifest.js';
import { runId } from '../../src/config/hash.js';
import { longtail, longtailSpecs } from '../../src/pipelines/longtail.js';
import { LONGTAIL_COLUMNS, PER_CLASS_COLUMNS } from '../../src/pipelines/longtail-files.js';
import { overridesOf } from '../helpers/overrides.js';
import { cone } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-longtail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Six fine classes of 60 training and 20 test vectors, a small MLP: a run takes well under a second on cpu. */
function writeSpec(name: string, level = 'fine'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    [
      'dataset:',
      '  name: synthetic',
      `  level: ${level}`,
      '  synthetic: {coarse: 2, fine_per_coarse: 3, dim: 16, train_per_fine: 60, test_per_fine: 20}',
      'model: {name: mlp, feature_dim: 8, hidden: [16]}',
      'method: {scale: 16, tau: 1}',
      'epochs: 2',
      'batch_size: 32',
      'backend: cpu',
      'longtail: {imbalance: 10}',
      '',
    ].join('\n'),
  );
  return file;
}

const spec = writeSpec('lt.yaml');

/** Markdown table rows of stdout (after the header and the separator). */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

function runDirs(out: string): string[] {
  return fs.existsSync(out) ? fs.readdirSync(out).map((d) => path.join(out, d)) : [];
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('cone longtail', () => {
  it('runs ce, etf-ce, cone and la-ce on one long-tailed split and writes the contracted files', () => {
    const out = path.join(dir, 'all');
    const r = cone(['longtail', '--config', spec, '--out', out]);
    expect(r.stderr).not.toMatch(/^cone: /m);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('long-tailed synthetic (exp, imbalance 10): 150 training images');
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual(['ce', 'etf-ce', 'cone', 'la-ce']);

    const expectedCounts = longtailCounts(60, 6, 10, 'exp');
    expect(runDirs(out)).toHaveLength(4);
    for (const row of rows) {
      const runDir = row[5];
      expect(readJson(path.join(runDir, 'split.json'))).toMatchObject({
        profile: 'exp',
        imbalance: 10,
        seed: 0,
        counts: expectedCounts,
      });
      expect(readManifest(runDir)).toMatchObject({ kind: 'longtail', status: 'done', backend: 'cpu' });
      expect(readCsv(path.join(runDir, 'metrics.csv'))).toHaveLength(2);

      const csvText = fs.readFileSync(path.join(runDir, 'longtail.csv'), 'utf8');
      expect(csvText.split('\n')[0]).toBe(LONGTAIL_COLUMNS.join(','));
      const [lt] = readCsv(path.join(runDir, 'longtail.csv'));
      expect(lt).toMatchObject({
        dataset: 'synthetic',
        method: row[0],
        seed: '0',
        imbalance: '10',
        profile: 'exp',
        n_many: '4',
        n_medium: '2',
        n_few: '0',
        few: '',
      });
      expect(JSON.parse(lt.counts)).toEqual(expectedCounts);
      expect(`${(100 * Number(lt.overall)).toFixed(2)}%`).toBe(row[1]); // one unit: percent with its sign

      expect(fs.readFileSync(path.join(runDir, 'per_class.csv'), 'utf8').split('\n')[0]).toBe(
        PER_CLASS_COLUMNS.join(','),
      );
      const perClass = readCsv(path.join(runDir, 'per_class.csv'));
      expect(perClass.map((p) => Number(p.train_count))).toEqual(expectedCounts);
      expect(perClass.every((p) => p.test_n === '20')).toBe(true);
      // Balanced test set: overall accuracy is the mean of the per-class accuracies.
      const meanPerClass = perClass.reduce((s, p) => s + Number(p.accuracy), 0) / perClass.length;
      expect(Number(lt.overall)).toBeCloseTo(meanPerClass, 10);
    }

    // la-ce's head needs the training class prior: extract rebuilds it from the long-tailed split.
    const laCe = rows.find((row) => row[0] === 'la-ce')![5];
    const ex = cone(['extract', '--run', laCe, '--split', 'test']);
    expect(ex.stderr).not.toMatch(/^cone: /m);
    expect(ex.code).toBe(0);
    expect(readNpy(path.join(laCe, 'features', 'test.npy')).shape).toEqual([120, 8]);

    // Finished runs are not trained again; the table is read back from them.
    const again = cone(['longtail', '--config', spec, '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
    expect(again.stderr).toMatch(/already done/);
  });

  it('--method, --epochs, --imbalance and --profile override the spec', () => {
    const out = path.join(dir, 'one');
    const r = cone([
      'longtail',
      '--config',
      spec,
      '--out',
      out,
      '--method',
      'cone',
      '--epochs',
      '1',
      '--imbalance',
      '5',
      '--profile',
      'step',
    ]);
    expect(r.code).toBe(0);
    const rows = tableRows(r.stdout);
    expect(rows.map((row) => row[0])).toEqual(['cone']);
    const runDir = rows[0][5];
    expect(readJson(path.join(runDir, 'split.json'))).toMatchObject({
      profile: 'step',
      imbalance: 5,
      counts: [60, 60, 60, 12, 12, 12],
    });
    expect(readCsv(path.join(runDir, 'metrics.csv'))).toHaveLength(1);
    expect(fs.readFileSync(path.join(runDir, 'spec.yaml'), 'utf8')).toMatch(/^epochs: 1$/m);

    // extract reads the images the run trained on: the long-tailed split, not the balanced set.
    const ex = cone(['extract', '--run', runDir, '--split', 'train']);
    expect(ex.code).toBe(0);
    const fine = readNpy(path.join(runDir, 'features', 'train.fine.npy')).data as Int32Array;
    const perClass = Array.from({ length: 6 }, (_, c) => fine.filter((y) => y === c).length);
    expect(perClass).toEqual([60, 60, 60, 12, 12, 12]);
    expect(readNpy(path.join(runDir, 'features', 'train.npy')).shape).toEqual([216, 8]);
  });

  it('exits 2 with one clear line for an imbalance below 1 or one that empties a class, before any run folder exists', () => {
    const out = path.join(dir, 'bad');
    const low = cone(['longtail', '--config', spec, '--out', out, '--imbalance', '0.5']);
    expect(low.code).toBe(2);
    expect(low.stderr.trim()).toMatch(/^cone: --imbalance 0\.5: longtail\.imbalance: must be >= 1 \(got 0\.5\)$/);
    const high = cone(['longtail', '--config', spec, '--out', out, '--imbalance', '100', '--method', 'ce']);
    expect(high.code).toBe(2);
    expect(high.stderr.trim()).toBe(
      "cone: longtail.imbalance 100 leaves class 5 ('c1.f2') with 0 training images (n_max 60); use an imbalance of at most 60",
    );
    expect(runDirs(out)).toEqual([]);
  });

  it('refuses a spec that trains at the coarse level', () => {
    const coarse = writeSpec('coarse.yaml', 'coarse');
    const r = cone(['longtail', '--config', coarse, '--out', path.join(dir, 'coarse')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `cone: ${coarse}: dataset.level: cone longtail trains on the fine labels (the usual long-tail task); set dataset.level: fine (got coarse)`,
    );
  });
});

describe('longtail (library)', () => {
  it('resumes an interrupted run to the same result, without leaking tensors', async () => {
    const [straightSpec] = longtailSpecs(spec, overridesOf({ output: path.join(dir, 'straight') }), ['la-ce']);
    const [resumedSpec] = longtailSpecs(spec, overridesOf({ output: path.join(dir, 'resumed') }), ['la-ce']);
    const straight = await longtail(straightSpec);
    const before = tf.memory().numTensors;

    let steps = 0;
    await expect(longtail(resumedSpec, { stopWhen: () => ++steps >= 3 })).rejects.toThrow(InterruptedError);
    expect(readManifest(path.join(resumedSpec.output, straight.runId))?.status).toBe('interrupted');
    const resumed = await longtail(resumedSpec);
    expect(resumed.status).toBe('done');
    expect(tf.memory().numTensors).toBe(before);

    expect(resumed.runId).toBe(straight.runId);
    expect(resumed.row).toEqual(straight.row);
    expect(fs.readFileSync(path.join(resumed.runDir, 'per_class.csv'), 'utf8')).toBe(
      fs.readFileSync(path.join(straight.runDir, 'per_class.csv'), 'utf8'),
    );
  });

  it('gives a long-tail run of a spec another run id than its pretraining', () => {
    const [s] = longtailSpecs(spec, overridesOf({ output: path.join(dir, 'kind') }), ['ce']);
    expect(runId(s, 'longtail')).not.toBe(runId(s, 'pretrain'));
    expect(runId(s, 'longtail').slice(0, -8)).toBe(runId(s, 'pretrain').slice(0, -8));
  });
});
