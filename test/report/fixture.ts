import fs from 'node:fs';
import path from 'node:path';
import { writeCsv } from '../../src/io/csv.js';
import { SUMMARY_COLUMNS } from '../../src/io/run-layout.js';
import { METRICS_COLUMNS } from '../../src/train/trainer.js';

export { SUMMARY_COLUMNS };

/**
 * A tiny suite folder that follows docs/design.md (suite and run folders) to the column: 2 methods ×
 * 2 seeds of a coarse-pretraining pipeline (probe, geometry and per-epoch metrics, angle histograms, trajectories)
 * and the same 2 × 2 as long-tail cells.
 */
const ANGLES_COLUMNS = ['split', 'level', 'bin_start_deg', 'bin_end_deg', 'count'];

export const METHODS = ['ce', 'cone'] as const;
export const SEEDS = [0, 1] as const;
/** θ of the cone runs: 0.8 · φ/2 for K = 5 coarse classes. */
export const THETA = 41.8;
export const EPOCHS = 3;

/** Summary values: method offset + seed offset, so means and stds have closed forms. */
export const BASE: Record<string, number> = {
  'coarse.accuracy': 0.9,
  'fine.linear': 0.6,
  'fine.knn': 0.55,
  'fine.ncc': 0.5,
  nc1: 0.2,
  nc2_etf_err: 0.1,
  in_cone_frac: 0.7,
  angle_dir_mean: 12,
  'lt.overall': 0.7,
  'lt.many': 0.85,
  'lt.medium': 0.7,
  'lt.few': 0.4,
};
export const METHOD_SHIFT = { ce: 0, cone: 0.05 };
export const SEED_SHIFT = { 0: -0.01, 1: 0.01 };

/**
 * trajectory.csv of the pretrain runs (tracked every epoch): the fine linear probe climbs and nc1 (at
 * the training level, coarse) falls with the epoch, faster for ce; seeds again at ± 0.01.
 */
export function trajectoryValue(
  column: 'linear' | 'nc1',
  method: keyof typeof METHOD_SHIFT,
  seed: keyof typeof SEED_SHIFT,
  epoch: number,
): number {
  return column === 'linear'
    ? 0.5 + 0.05 * epoch + METHOD_SHIFT[method] + SEED_SHIFT[seed]
    : NC1_START[method] / epoch + SEED_SHIFT[seed];
}
const NC1_START = { ce: 2, cone: 3 };
const TRAJECTORY_COLUMNS = ['epoch', 'split', 'level', 'linear', 'knn', 'features', 'nc1', 'in_cone_frac'];

/** Where the angle histogram of each method peaks (degrees) and how wide it is. */
const ANGLE_PEAK = { ce: [8, 3], cone: [30, 7] };

export function runIdOf(pipeline: string, method: string, seed: number): string {
  return `synthetic-${method}-s${seed}-${pipeline === 'longtail' ? 'aaaa0000' : 'bbbb1111'}`;
}

export function angleCounts(method: keyof typeof ANGLE_PEAK, seed: number): number[] {
  const [mu, sd] = ANGLE_PEAK[method];
  return Array.from({ length: 90 }, (_, i) =>
    Math.round((100 + 20 * seed) * Math.exp(-0.5 * ((2 * i + 1 - mu) / sd) ** 2)),
  );
}

export interface FixtureOptions {
  /** Written into the suite column, e.g. to check escaping. */
  suiteName?: string;
  /** The overrides column of every row (JSON of the grid fields that vary). */
  overrides?: string;
}

export function writeFixtureSuite(dir: string, opts: FixtureOptions = {}): void {
  const suite = opts.suiteName ?? 'fixture';
  const rows: Record<string, string | number>[] = [];
  for (const pipeline of ['pretrain', 'longtail']) {
    for (const method of METHODS) {
      for (const seed of SEEDS) {
        const runId = runIdOf(pipeline, method, seed);
        const metrics = Object.keys(BASE).filter((m) => (pipeline === 'longtail') === m.startsWith('lt.'));
        for (const metric of metrics) {
          // ce has no cone: in_cone_frac is NaN for it, as geometry.csv leaves it.
          const value =
            metric === 'in_cone_frac' && method === 'ce'
              ? 'NaN'
              : BASE[metric] + METHOD_SHIFT[method] + SEED_SHIFT[seed];
          rows.push({
            suite,
            cell: `${pipeline}/${method}/s${seed}`,
            pipeline,
            dataset: 'synthetic',
            method,
            seed,
            overrides: opts.overrides ?? '{}',
            run_id: runId,
            metric,
            value,
          });
        }
        const runDir = path.join(dir, 'runs', runId);
        fs.mkdirSync(runDir, { recursive: true });
        fs.writeFileSync(
          path.join(runDir, 'spec.yaml'),
          `name: fixture\ndataset:\n  name: synthetic\nmethod:\n  name: ${method}\n  scale: 16\n${method === 'cone' ? `  theta: ${THETA}\n` : ''}seed: ${seed}\n`,
        );
        writeCsv(
          path.join(runDir, 'metrics.csv'),
          Array.from({ length: EPOCHS }, (_, e) => ({
            epoch: e + 1,
            lr: 0.05,
            train_loss: 2 / (e + 1) + METHOD_SHIFT[method] + SEED_SHIFT[seed],
            train_accuracy: 0.5 + 0.1 * e,
            test_loss: 2.1 / (e + 1),
            test_accuracy: 0.45 + 0.1 * e + METHOD_SHIFT[method],
            seconds: 1.5,
            images_per_s: 800,
          })),
          METRICS_COLUMNS,
        );
        if (pipeline === 'pretrain') {
          writeCsv(
            path.join(runDir, 'trajectory.csv'),
            Array.from({ length: EPOCHS }, (_, e) => e + 1).flatMap((epoch) =>
              ['train', 'test'].flatMap((split) =>
                ['coarse', 'fine'].map((level) => ({
                  epoch,
                  split,
                  level,
                  linear:
                    split === 'test' ? (level === 'fine' ? trajectoryValue('linear', method, seed, epoch) : 0.9) : null,
                  knn: split === 'test' ? 0.5 : null,
                  features: 'l2',
                  nc1: level === 'coarse' ? trajectoryValue('nc1', method, seed, epoch) : 5,
                  in_cone_frac: method === 'ce' ? NaN : 0.5,
                })),
              ),
            ),
            TRAJECTORY_COLUMNS,
          );
          writeCsv(
            path.join(runDir, 'angles.csv'),
            angleCounts(method, seed).map((count, i) => ({
              split: 'test',
              level: 'coarse',
              bin_start_deg: 2 * i,
              bin_end_deg: 2 * i + 2,
              count,
            })),
            ANGLES_COLUMNS,
          );
        }
      }
    }
  }
  writeCsv(path.join(dir, 'summary.csv'), rows, SUMMARY_COLUMNS);
}
