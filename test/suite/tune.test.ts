import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/config/load.js';
import { runId } from '../../src/config/hash.js';
import { loadDataset } from '../../src/data/registry.js';
import { validationIndices } from '../../src/data/validation.js';
import { readCsv } from '../../src/io/csv.js';
import { readManifest } from '../../src/io/manifest.js';
import { SILENT } from '../../src/reporter.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/suite/run-suite.js';
import { edgesOf, planSuite } from '../../src/suite/tune.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-tune-'));
let files = 0;
function suiteFile(suite: Record<string, unknown>): string {
  const f = path.join(dir, `tune${++files}.yaml`);
  fs.writeFileSync(f, YAML.stringify(suite));
  return f;
}
/** A suite of ce alone with this tune: block. */
const ceSuite = (name: string, tune: Record<string, unknown>) =>
  loadSuite(suiteFile({ name, spec: cellSpec, grid: { 'method.name': ['ce'] }, tune }));
const { method: _method, ...cellSpec } = tinySpec({ epochs: 2, backend: 'wasm', probe: { probes: ['knn'] } });

describe('the validation split of a tuning run', () => {
  it('holds out a stratified, seeded part of the training images and nothing else', () => {
    const fine = Int32Array.from({ length: 103 }, (_, i) => i % 5);
    const a = validationIndices(fine, 0.2, 0);
    expect(validationIndices(fine, 0.2, 0)).toEqual(a);
    expect(validationIndices(fine, 0.2, 1).validation).not.toEqual(a.validation);
    expect([...a.train, ...a.validation].sort((x, y) => x - y)).toEqual([...fine.keys()]);
    // Per class round(0.2 · size): 21 images of class 0..2 → 4 each, 20 of class 3, 4 → 4 each.
    for (let y = 0; y < 5; y++) expect(a.validation.filter((i) => fine[i] === y).length).toBe(4);
    // A class of one image stays whole in training.
    expect(validationIndices(Int32Array.from([0, 0, 0, 0, 0, 1]), 0.4, 0).validation.length).toBe(2);
  });

  it('is evaluated in place of the test split: its images are training images, never test images', async () => {
    const spec = resolveSpec(tinySpec(), 'tiny');
    const whole = await loadDataset({ ...spec.dataset, seed: 3 });
    const held = await loadDataset({ ...spec.dataset, validation: 0.25, seed: 3 });
    const { train, validation } = validationIndices(whole.train.fine, 0.25, 3);
    const size = whole.train.images.length / whole.train.n;
    const sample = (images: Uint8Array | Float32Array, i: number) =>
      Array.from(images.subarray(i * size, (i + 1) * size));
    expect(held.test.n).toBe(validation.length);
    expect(held.train.n).toBe(train.length);
    validation.forEach((idx, k) => expect(sample(held.test.images, k)).toEqual(sample(whole.train.images, idx)));
    const testImages = new Set(Array.from({ length: whole.test.n }, (_, i) => sample(whole.test.images, i).join()));
    for (let k = 0; k < held.test.n; k++) expect(testImages.has(sample(held.test.images, k).join())).toBe(false);
  });

  it('is part of the run id; a spec without one keeps its old id', () => {
    const plain = resolveSpec(tinySpec(), 'tiny');
    const held = resolveSpec(tinySpec({ dataset: { validation: 0.2 } }), 'tiny');
    expect(plain.dataset.validation).toBeNull();
    expect(runId(held)).not.toBe(runId(plain));
    // The id of a spec without validation, as computed before the field existed.
    const { validation: _, ...dataset } = plain.dataset;
    expect(runId({ ...plain, dataset } as typeof plain)).toBe(runId(plain));
  });
});

describe('tune: in a suite', () => {
  it('flags a choice at an end of a numeric range of two or more values, not one inside it', () => {
    const ranges = { 'optimizer.lr': [0.01, 0.03, 0.1], 'method.scale': [4, 16], 'optimizer.name': ['sgd', 'adam'] };
    expect(edgesOf(ranges, { 'optimizer.lr': 0.03, 'method.scale': 16, 'optimizer.name': 'adam' })).toEqual({
      'method.scale': 'high',
    });
    expect(edgesOf(ranges, { 'optimizer.lr': 0.01, 'method.scale': 4, 'optimizer.name': 'sgd' })).toEqual({
      'optimizer.lr': 'low',
      'method.scale': 'low',
    });
    expect(edgesOf({ 'optimizer.lr': [0.1] }, { 'optimizer.lr': 0.1 })).toEqual({});
  });

  it('refuses a tuned field that is a grid key, an untunable field, a prototype key and a longtail suite', () => {
    const grid = { 'method.name': ['ce'], 'optimizer.lr': [0.1] };
    expect(() => loadSuite(suiteFile({ grid, tune: { fields: { 'optimizer.lr': [0.1] } } }))).toThrow(
      /tune\.fields\.optimizer\.lr: optimizer\.lr is also a grid key/,
    );
    expect(() => loadSuite(suiteFile({ grid, tune: { fields: { seed: [1] } } }))).toThrow(
      /tune\.fields\.seed: cannot be tuned \(the tune seeds are tune\.seeds\)/,
    );
    expect(() => loadSuite(suiteFile({ grid, tune: { fields: { 'optimizer.lrr': [1] } } }))).toThrow(
      /tune\.fields\.optimizer\.lrr: not a spec field \(did you mean optimizer\.lr\?\)/,
    );
    expect(() => loadSuite(suiteFile({ grid, tune: { fields: { 'optimizer.__proto__': [1] } } }))).toThrow(
      /'__proto__' cannot be a field name/,
    );
    expect(() => loadSuite(suiteFile({ grid, tune: { fields: { 'optimizer.momentum': [] } } }))).toThrow(
      /tune\.fields\.optimizer\.momentum: must NOT have fewer than 1 items/,
    );
    expect(() =>
      loadSuite(suiteFile({ grid, pipeline: 'longtail', tune: { fields: { 'optimizer.momentum': [0.9] } } })),
    ).toThrow(/tuning is for the transfer pipeline/);
  });

  it('refuses a field no method has, a metric at another level, and too many cells', () => {
    const grid = { 'method.name': ['ce'] };
    const plan = (tune: Record<string, unknown>, g: Record<string, unknown[]> = grid) =>
      planSuite(loadSuite(suiteFile({ spec: cellSpec, grid: g, tune })), { outputRoot: dir });
    expect(() => plan({ fields: { 'method.scale': [4, 16] } })).toThrow(
      /tune\.fields\.method\.scale: none of the methods of the grid has it \(ce\)/,
    );
    expect(() => plan({ fields: { 'optimizer.lr': [0.1] }, metric: 'fine.val_accuracy' })).toThrow(
      /tune\.metric: fine\.val_accuracy is measured at the fine level, but the cells train at the coarse level/,
    );
    const lrTuned = loadSuite(suiteFile({ spec: cellSpec, grid, tune: { fields: { 'optimizer.lr': [0.1] } } }));
    expect(() =>
      planSuite(lrTuned, { outputRoot: dir, overrides: [{ path: 'optimizer.lr', value: 1, from: 'optimizer.lr=1' }] }),
    ).toThrow(
      /^optimizer\.lr=1: .* tunes it \(tune\.fields, tune\.seeds, tune\.validation\); change it in the suite file instead$/,
    );
    expect(() =>
      planSuite(lrTuned, { outputRoot: dir, overrides: [{ path: 'seed', value: 3, from: '--seed 3' }] }),
    ).toThrow(/^--seed 3: .* tunes it/);
    const many = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(() => plan({ fields: { 'optimizer.lr': many(101) }, seeds: many(100) })).toThrow(
      /1 grid cells and 10100 tuning cells are over the 10000 a suite may have/,
    );
    expect(() =>
      plan({ fields: { 'optimizer.lr': many(100) }, seeds: [0, 1] }, { 'method.name': ['ce'], seed: many(9900) }),
    ).toThrow(/9900 grid cells and 200 tuning cells are over the 10000/);
  });

  it('tunes each method on its own: fields a method lacks are not tried for it', () => {
    const suite = loadSuite(
      suiteFile({
        spec: cellSpec,
        grid: { 'method.name': ['ce', 'etf-ce'], seed: [0, 1] },
        tune: { fields: { 'optimizer.lr': [0.01, 0.1], 'method.scale': [4, 16] }, seeds: [0, 1], epochs: 1 },
      }),
    );
    const { cells, tuning, waiting } = planSuite(suite, { outputRoot: dir });
    expect(tuning.map((g) => [g.method, g.ranges])).toEqual([
      ['ce', { 'optimizer.lr': [0.01, 0.1] }],
      ['etf-ce', { 'optimizer.lr': [0.01, 0.1], 'method.scale': [4, 16] }],
    ]);
    // ce: 2 lr x 2 tune seeds; etf-ce: 4 value sets x 2 tune seeds. The main cells wait.
    expect(cells.map((c) => c.tuning)).toEqual(Array(12).fill(true));
    expect(waiting).toBe(4);
    for (const c of cells) {
      expect(c.spec.dataset.validation).toBe(0.2);
      expect(c.spec.epochs).toBe(1);
      expect(c.runDir).toBe(path.join(dir, suite.name, 'tuning', c.runId));
    }
  });

  it('scores a diverged tuning run NaN: its value set loses, the run is not retried, the grid still runs', async () => {
    const out = path.join(dir, 'diverging');
    const suite = ceSuite('diverging', { fields: { 'optimizer.lr': [0.05, 1e9] }, epochs: 2 });
    const outcome = await runSuite(suite, { outputRoot: out, jobs: 1, dryRun: false, command: 'test' });
    expect(outcome.failed).toEqual([]);
    const rows = readCsv(path.join(out, 'diverging', 'tuning.csv'));
    expect(rows.map((r) => [r['optimizer.lr'], r.status, r.value, r.chosen])).toEqual([
      ['0.05', 'done', expect.stringMatching(/^[01](\.\d+)?$/), 'true'],
      ['1000000000', 'diverged', 'NaN', 'false'],
    ]);
    expect(outcome.cells.find((c) => !c.tuning)?.spec.optimizer.lr).toBe(0.05);
    const again = await runSuite(suite, { outputRoot: out, jobs: 1, dryRun: true, command: 'test' });
    expect(again.pending).toEqual([]);
  }, 60_000);

  it("Slurm's finalize after the tuning array: the chosen cells are not submitted yet, not failed", async () => {
    const out = path.join(dir, 'finalize');
    const suite = ceSuite('finalize', { fields: { 'optimizer.lr': [0.01, 0.1] }, epochs: 1 });
    const opts = { outputRoot: out, jobs: 1, dryRun: false, command: 'test' };
    // The array's tasks: one `--cell` per tuning cell.
    for (const cell of planSuite(suite, { outputRoot: out }).cells)
      await runSuite(suite, { ...opts, onlyCell: cell.runId });
    const finalize = await runSuite(suite, { ...opts, finalizeOnly: true });
    expect(finalize.failed).toEqual([]);
    expect(finalize.unsubmitted).toBe(1);
    expect(fs.readFileSync(path.join(out, 'finalize', 'summary.md'), 'utf8')).toContain(
      '**Not submitted yet**: 1 cells, with the values the tuning chose',
    );
  }, 60_000);

  it('runs tuning, chooses per group, runs the grid with the chosen values, and resumes without redoing', async () => {
    const out = path.join(dir, 'results');
    const file = suiteFile({
      name: 'tuned',
      spec: cellSpec,
      grid: { 'method.name': ['ce', 'cone'], seed: [0] },
      tune: { fields: { 'optimizer.lr': [0.001, 0.3] }, epochs: 3, validation: 0.25 },
    });
    const suite = loadSuite(file);
    const dry = await runSuite(suite, { outputRoot: out, jobs: 1, dryRun: true, command: 'test' });
    expect(dry.cells.length).toBe(4);
    expect(dry.waiting).toBe(2);

    const outcome = await runSuite(suite, { outputRoot: out, jobs: 1, dryRun: false, command: 'test' });
    expect(outcome.failed).toEqual([]);
    expect(outcome.waiting).toBe(0);
    const suiteDir = path.join(out, 'tuned');
    const rows = readCsv(path.join(suiteDir, 'tuning.csv'));
    expect(Object.keys(rows[0])).toEqual([
      'group',
      'dataset',
      'method',
      'grid',
      'optimizer.lr',
      'seed',
      'run_id',
      'status',
      'metric',
      'value',
      'mean',
      'chosen',
      'edge',
    ]);
    expect(rows.map((r) => [r.method, r['optimizer.lr'], r.status, r.chosen])).toEqual([
      ['ce', '0.001', 'done', expect.any(String)],
      ['ce', '0.3', 'done', expect.any(String)],
      ['cone', '0.001', 'done', expect.any(String)],
      ['cone', '0.3', 'done', expect.any(String)],
    ]);
    for (const method of ['ce', 'cone']) {
      const mine = rows.filter((r) => r.method === method);
      // The score is the last epoch's accuracy on the validation images (metrics.csv test_accuracy of the tuning run).
      for (const r of mine) {
        const metrics = readCsv(path.join(suiteDir, 'tuning', r.run_id, 'metrics.csv'));
        expect(Number(r.value)).toBe(Number(metrics[metrics.length - 1].test_accuracy));
        expect(readManifest(path.join(suiteDir, 'tuning', r.run_id))?.details.validation).toMatchObject({
          fraction: 0.25,
          train_images: 180,
          validation_images: 60,
        });
      }
      const chosen = mine.filter((r) => r.chosen === 'true');
      expect(chosen.length).toBe(1);
      const other = mine.find((r) => r.chosen === 'false')!;
      expect(Number(chosen[0].value)).toBeGreaterThanOrEqual(Number(other.value));
      // Two values tried: the chosen one is an end of the range, and is flagged.
      expect(chosen[0].edge).toBe(`optimizer.lr:${chosen[0]['optimizer.lr'] === '0.3' ? 'high' : 'low'}`);
      // The main cell ran with the chosen value.
      const main = outcome.cells.find((c) => !c.tuning && c.spec.method.name === method)!;
      expect(main.spec.optimizer.lr).toBe(Number(chosen[0]['optimizer.lr']));
      expect(main.spec.dataset.validation).toBeNull();
      expect(main.runDir).toBe(path.join(suiteDir, 'runs', main.runId));
    }
    const md = fs.readFileSync(path.join(suiteDir, 'summary.md'), 'utf8');
    expect(md).toContain('## Tuning');
    expect(md).toMatch(
      /On the edge of its range\*\*: ce: optimizer\.lr = 0\.(001|3) is the (lowest|highest) value tried/,
    );
    expect(readCsv(path.join(suiteDir, 'summary.csv')).every((r) => r.run_id.length > 0)).toBe(true);
    const html = fs.readFileSync(path.join(suiteDir, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Tuning</h2>');
    expect(html).toMatch(/<td>ce<\/td><td>0\.(001|3) of \[0\.001, 0\.3\] \((lowest|highest) tried\)<\/td>/);

    // Again: every cell is done, nothing runs, and the same cells come back.
    const again = await runSuite(suite, { outputRoot: out, jobs: 1, dryRun: true, command: 'test' });
    expect(again.pending).toEqual([]);
    expect(again.cells.map((c) => c.runId)).toEqual(outcome.cells.map((c) => c.runId));
    // A main cell lost: only it runs again; the tuning runs are not redone.
    const tuningEnds = () => outcome.cells.filter((c) => c.tuning).map((c) => readManifest(c.runDir)?.ended);
    const ends = tuningEnds();
    expect(ends.every((e) => typeof e === 'string')).toBe(true);
    const lost = outcome.cells.find((c) => !c.tuning)!;
    fs.rmSync(lost.runDir, { recursive: true });
    const started: string[] = [];
    const resumed = await runSuite(suite, {
      outputRoot: out,
      jobs: 1,
      dryRun: false,
      command: 'test',
      reporter: { ...SILENT, info: (m) => m.startsWith('[') && started.push(m) },
    });
    expect(resumed.failed).toEqual([]);
    expect(started).toEqual([expect.stringContaining(lost.runId)]);
    expect(tuningEnds()).toEqual(ends);
  }, 120_000);
});
