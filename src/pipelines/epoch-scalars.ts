import type { Row } from '../io/csv.js';
import { EventFileWriter } from '../io/tensorboard.js';
import { GEOMETRY_COLUMNS } from '../eval/geometry.js';
import type { MetricsRow, Tracker } from '../train/trainer.js';
import { displayValue, unitSuffix } from '../util/units.js';

/** A metric's TensorBoard tag and value: accuracies and fractions in percent, said in the tag (src/util/units.ts). */
function scalar(tag: string, metric: string, value: unknown): [string, number] {
  const v = typeof value === 'number' ? value : Number.NaN;
  return [`${tag}${unitSuffix(metric)}`, displayValue(metric, v)];
}

/** metrics.csv's row of an epoch: `train/loss`, `train/accuracy (%)`, `test/…`, `lr`, `images_per_s`. */
export function epochScalars(row: MetricsRow): Record<string, number> {
  return Object.fromEntries([
    scalar('train/loss', 'train_loss', row.train_loss),
    scalar('train/accuracy', 'train_accuracy', row.train_accuracy),
    scalar('test/loss', 'test_loss', row.test_loss),
    scalar('test/accuracy', 'test_accuracy', row.test_accuracy),
    scalar('lr', 'lr', row.lr),
    scalar('images_per_s', 'images_per_s', row.images_per_s),
  ]);
}

/**
 * trajectory.csv's rows of a tracked epoch as `track/<split>/<level>/<column>`: the probe columns
 * are `<level>.<probe>` accuracies (percent), the geometry columns keep their units.
 */
export function trackedScalars(rows: Row[]): Record<string, number> {
  const geometry = new Set<string>(GEOMETRY_COLUMNS);
  return Object.fromEntries(
    rows.flatMap(({ epoch: _epoch, split, level, ...values }) =>
      Object.entries(values)
        .filter(([, v]) => typeof v === 'number')
        .map(([column, v]) =>
          scalar(`track/${split}/${level}/${column}`, geometry.has(column) ? column : `${level}.${column}`, v),
        ),
    ),
  );
}

/**
 * Per-epoch scalars of one training run into a TensorBoard event file in its folder (spec
 * `tensorboard: true`): the epoch's metrics.csv row, and the tracked measurements when `track` is on.
 */
export function tensorboardHooks(runDir: string): {
  onEpoch: (row: MetricsRow) => void;
  wrap: (tracker: Tracker | undefined) => Tracker | undefined;
} {
  const writer = new EventFileWriter(runDir);
  return {
    onEpoch: (row) => writer.scalars(row.epoch, epochScalars(row)),
    wrap: (tracker) =>
      tracker && {
        file: tracker.file,
        measure: async (epoch, model, loss) => {
          const rows = await tracker.measure(epoch, model, loss);
          writer.scalars(epoch, trackedScalars(rows));
          return rows;
        },
      },
  };
}
