import type * as tf from '@tensorflow/tfjs';
import { datasetClassCounts } from '../data/registry.js';
import { balancedSubset, takeSplit } from '../data/subset.js';
import type { Level, Split } from '../data/types.js';
import type { Row } from '../io/csv.js';
import { RUN_FILES } from '../io/run-layout.js';
import type { Spec } from '../config/schema.js';
import { featuresOf, headMatrices } from '../train/predict.js';
import type { Loss } from '../train/losses/types.js';
import type { TrainTask } from '../data/task.js';
import type { Tracker } from '../train/trainer.js';
import { Rng } from '../util/rng.js';
import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import { geometryHead, runProbes, splitGeometry, type ClassCounts, type SplitFeatures } from './probe-run.js';

const EVAL_BATCH = 256;
const LEVELS = ['coarse', 'fine'] as const;

/** Whether epoch (1-based) is measured: every N-th and the last. */
export function trackedEpoch(epoch: number, every: number, epochs: number): boolean {
  return every > 0 && (epoch % every === 0 || epoch === epochs);
}

/** The fixed subsets: drawn once from the seed, balanced over the fine classes, never more than a split holds. */
export function trackingSubsets(
  task: Pick<TrainTask, 'train' | 'test'>,
  size: number,
  seed: number,
): { train: Split; test: Split } {
  const rng = new Rng(`track:${seed}`);
  const take = (split: Split) => takeSplit(split, balancedSubset(split.fine, Math.min(size, split.n), rng));
  return { train: take(task.train), test: take(task.test) };
}

/** Probe column of a probe name (as in summary.csv: `knn-weighted` -> `knn_weighted`). */
export function probeColumn(probe: string): string {
  return probe.replace(/-/g, '_');
}

export interface MeasureInput {
  spec: Spec;
  classes: ClassCounts;
  shape: readonly number[];
  train: Split;
  test: Split;
}

/** The trajectory rows of one epoch for the network as it is now. */
export async function measureTrajectory(
  epoch: number,
  model: tf.LayersModel,
  loss: Loss,
  input: MeasureInput,
): Promise<Row[]> {
  const { spec, classes } = input;
  const features = async (split: Split): Promise<SplitFeatures> => ({
    features: { data: await featuresOf(model, split, input.shape, EVAL_BATCH), n: split.n, d: spec.model.feature_dim },
    fine: split.fine,
    coarse: split.coarse,
  });
  const train = await features(input.train);
  const test = await features(input.test);
  const head = await headMatrices(loss);
  const geometry = geometryHead(head.W, head.etf ? 'etf' : 'linear', spec.method.theta ?? null, head.bias ?? undefined);

  const accuracy = new Map<Level, Map<string, number>>();
  for (const level of LEVELS) {
    const results = await runProbes(train, test, classes, spec.seed, {
      ...spec.probe,
      probes: spec.track.probes,
      level,
    });
    accuracy.set(level, new Map(results.map((r) => [probeColumn(r.probe), r.accuracy])));
  }
  // Every row carries every probe column (empty where not measured), so the CSV's columns are fixed.
  const probeColumns = [...new Set(LEVELS.flatMap((l) => [...accuracy.get(l)!.keys()]))];
  const rows: Row[] = [];
  for (const [split, data] of [
    ['train', train],
    ['test', test],
  ] as const) {
    for (const g of splitGeometry(data, classes, spec.dataset.level, geometry).filter((r) => r.features === 'l2')) {
      const probes = Object.fromEntries(
        probeColumns.map((c) => [c, split === 'test' ? (accuracy.get(g.level)!.get(c) ?? null) : null]),
      );
      const { level, ...metrics } = g;
      rows.push({
        epoch,
        split,
        level,
        ...probes,
        ...Object.fromEntries(GEOMETRY_COLUMNS.map((c) => [c, metrics[c]])),
      });
    }
  }
  return rows;
}

/** The tracker of a spec for the trainer, or undefined when `track.every` is 0. */
export function trackingHook(spec: Spec): ((task: TrainTask) => Tracker) | undefined {
  if (spec.track.every === 0) return undefined;
  return (task) => {
    // Class counts at both levels (the task only knows its training level).
    const classes = datasetClassCounts({ ...spec.dataset, seed: spec.seed });
    const { train, test } = trackingSubsets(task, spec.track.subset, spec.seed);
    const input: MeasureInput = { spec, classes, shape: task.shape, train, test };
    return {
      file: RUN_FILES.trajectory,
      measure: (epoch, model, loss) =>
        trackedEpoch(epoch, spec.track.every, spec.epochs)
          ? measureTrajectory(epoch, model, loss, input)
          : Promise.resolve([]),
    };
  };
}

/**
 * Summary metrics from trajectory.csv rows (as read back, strings): for every probe column at each
 * level, `<level>.<probe>@best` (the highest test accuracy over the tracked epochs) and
 * `<level>.<probe>@best_epoch` (the first epoch that reached it).
 */
export function trajectoryBest(rows: Record<string, string>[]): Record<string, number> {
  const out: Record<string, number> = {};
  const skip = new Set(['epoch', 'split', 'level', ...GEOMETRY_COLUMNS]);
  for (const r of rows) {
    if (r.split !== 'test') continue;
    for (const [column, text] of Object.entries(r)) {
      if (skip.has(column) || text === undefined || text === '') continue;
      const value = Number(text);
      const key = `${r.level}.${column}@best`;
      if (Number.isFinite(value) && !(value <= out[key])) {
        out[key] = value;
        out[`${key}_epoch`] = Number(r.epoch);
      }
    }
  }
  return out;
}
