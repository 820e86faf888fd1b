import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { extractFeatures } from '../../src/pipelines/extract.js';
import { probeFeatures } from '../../src/pipelines/probe-run.js';
import { trackedEpoch, trackingSubsets, trajectoryBest } from '../../src/pipelines/trajectory.js';
import { RUN_FILES } from '../../src/io/run-layout.js';
import { readCsv } from '../../src/io/csv.js';
import { resolveSpec } from '../../src/config/load.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-trajectory-'));

describe('which epochs are tracked', () => {
  it('every N-th epoch and the last; none when off', () => {
    const tracked = (every: number, epochs: number) =>
      Array.from({ length: epochs }, (_, i) => i + 1).filter((e) => trackedEpoch(e, every, epochs));
    expect(tracked(2, 5)).toEqual([2, 4, 5]);
    expect(tracked(1, 3)).toEqual([1, 2, 3]);
    expect(tracked(7, 3)).toEqual([3]);
    expect(tracked(0, 3)).toEqual([]);
  });
});

describe('tracking subsets', () => {
  it('are seeded, class-balanced at the fine level and capped at the split size', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 6);
    const split = { images: new Float32Array(300), fine: labels, coarse: labels.map((y) => y >> 1), n: 300 };
    const a = trackingSubsets({ train: split, test: split }, 60, 3);
    const b = trackingSubsets({ train: split, test: split }, 60, 3);
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(a.train.n).toBe(60);
    for (let k = 0; k < 6; k++) expect(a.train.fine.filter((y) => y === k)).toHaveLength(10);
    expect(trackingSubsets({ train: split, test: split }, 5000, 3).test.n).toBe(300);
  });
});

describe('trajectoryBest', () => {
  it('takes the highest test accuracy per level and probe and the first epoch that reached it', () => {
    const rows = [
      { epoch: '1', split: 'train', level: 'fine', linear: '', nc1: '3' },
      { epoch: '1', split: 'test', level: 'fine', linear: '0.5', nc1: '3' },
      { epoch: '2', split: 'test', level: 'fine', linear: '0.7', nc1: '2' },
      { epoch: '3', split: 'test', level: 'fine', linear: '0.7', nc1: '1' },
      { epoch: '3', split: 'test', level: 'coarse', linear: '0.9', nc1: '1' },
    ];
    expect(trajectoryBest(rows)).toEqual({
      'fine.linear@best': 0.7,
      'fine.linear@best_epoch': 2,
      'coarse.linear@best': 0.9,
      'coarse.linear@best_epoch': 3,
    });
  });
});

describe('a tracked run', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it("measures with cone probe's code: its last epoch equals extract + probe of the final network", async () => {
    // A subset larger than either split takes the whole splits, which are what extract takes by default.
    const spec = resolveSpec(
      tinySpec({
        name: 'tiny',
        output: path.join(root, 'probe'),
        backend: 'wasm',
        track: { every: 2, subset: 1000, probes: ['linear', 'knn', 'ncc', 'kmeans'] },
      }),
      'tiny.yaml',
    );
    const before = tf.memory().numTensors;
    const run = await pretrain(spec);
    expect(tf.memory().numTensors).toBe(before);
    const trajectory = readCsv(path.join(run.runDir, RUN_FILES.trajectory));
    expect(Object.keys(trajectory[0]).slice(0, 9)).toEqual([
      'epoch',
      'split',
      'level',
      'linear',
      'knn',
      'knn_weighted',
      'ncc',
      'kmeans',
      'features',
    ]);
    // Epochs 2 and 3 (every 2nd and the last), 2 splits x 2 levels each.
    expect(trajectory.map((r) => `${r.epoch} ${r.split} ${r.level}`)).toEqual(
      ['2', '3'].flatMap((e) => ['train coarse', 'train fine', 'test coarse', 'test fine'].map((s) => `${e} ${s}`)),
    );

    const features = await extractFeatures(run.runDir, { split: 'both' });
    const last = trajectory.filter((r) => r.epoch === '3');
    for (const level of ['coarse', 'fine'] as const) {
      const report = await probeFeatures(features, { ...spec.probe, probes: spec.track.probes, level });
      const row = last.find((r) => r.split === 'test' && r.level === level)!;
      for (const p of report.probes)
        expect(Number(row[String(p.probe).replace('-', '_')]), `${level} ${p.probe}`).toBe(p.accuracy);
      if (level === 'coarse') expect(row.kmeans).toBe('');
      for (const split of ['train', 'test']) {
        const g = report.geometry.find((r) => r.split === split && r.level === level && r.features === 'l2')!;
        const t = last.find((r) => r.split === split && r.level === level)!;
        for (const c of ['nc1', 'nc1_ratio', 'cdnv', 'angle_dir_mean', 'angle_mean_p90', 'in_cone_frac'])
          expect(Number(t[c]), `${split} ${level} ${c}`).toBe(Number(g[c]));
      }
    }
    for (const r of last.filter((x) => x.split === 'train')) expect(r.linear).toBe('');
    // The cost is in the log, next to the training time.
    const cost = fs
      .readFileSync(path.join(run.runDir, 'log.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'tracking cost');
    expect(cost.tracking_seconds).toBeGreaterThan(0);
    expect(cost.training_seconds).toBeGreaterThan(0);
  });
});
