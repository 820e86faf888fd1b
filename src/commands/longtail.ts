import type { CommandModule } from 'yargs';
import { METHOD_NAMES } from '../config/schema.js';
import { LONGTAIL_METHODS, longtail, longtailSpecs, type LongtailRunResult } from '../pipelines/longtail.js';
import { runTraining, trainingOptions, type GlobalOptions, type TrainingOptions } from './common.js';
import { overridesFrom, specFieldOptions } from './overrides.js';
import { formatTable } from './table.js';
import { formatMetric } from '../util/units.js';

interface Args extends TrainingOptions {
  method?: (typeof METHOD_NAMES)[number];
}

const BUCKETS = ['overall', 'many', 'medium', 'few'] as const;

/** The results of all methods, one row each, under a line saying what the split was. */
function resultTable(results: LongtailRunResult[]): string {
  const { row, nTrain, thresholds: t } = results[0];
  const heading =
    `long-tailed ${row.dataset} (${row.profile}, imbalance ${row.imbalance}): ${nTrain} training images; ` +
    `classes many-shot ${row.n_many} (>${+t.many.toFixed(2)} images), medium ${row.n_medium}, few-shot ${row.n_few} (<${+t.few.toFixed(2)}); ` +
    'accuracy on the balanced test set\n';
  const rows = results.map((r) => [r.row.method, ...BUCKETS.map((b) => formatMetric(`lt.${b}`, r.row[b])), r.runDir]);
  return heading + formatTable(['method', ...BUCKETS, 'run'], rows);
}

export const longtailCommand: CommandModule<GlobalOptions, Args> = {
  command: 'longtail [overrides..]',
  describe:
    'train on a long-tailed split of the fine classes and report many/medium/few-shot accuracy (all of ce, etf-ce, cone, la-ce unless --method)',
  builder: (y) =>
    specFieldOptions(
      trainingOptions(y, {
        config: 'experiment spec (YAML, dataset.level: fine)',
        resume: "continue from each run folder's checkpoint (--no-resume deletes the run folders and starts over)",
      }).option('method', {
        choices: METHOD_NAMES,
        describe: `run only this method (default: ${LONGTAIL_METHODS.join(', ')}, one after another)`,
      }),
      'longtail',
      { subset: 'dataset.subset: class-balanced set the long tail is cut from' },
    ),
  handler: (argv) =>
    runTraining(argv, 'longtail', longtail, async (train) => {
      const overrides = overridesFrom(argv, 'longtail');
      const results: LongtailRunResult[] = [];
      for (const spec of longtailSpecs(argv.config, overrides, argv.method ? [argv.method] : LONGTAIL_METHODS))
        results.push(await train(spec));
      process.stdout.write(resultTable(results));
    }),
};
