import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { extractFeatures, SPLIT_CHOICES, type SplitChoice } from '../pipelines/extract.js';
import { DATASET_NAMES } from '../data/registry.js';
import { executionOptions, runAndExit, type ExecutionOptions, type GlobalOptions } from './common.js';
import { terminal } from './terminal.js';

interface Args extends GlobalOptions, ExecutionOptions {
  run: string;
  split: SplitChoice;
  dataset?: string;
  path?: string;
  subset: string;
  batch: number;
}

function parseSubset(value: string): 'spec' | 'all' | number {
  if (value === 'spec' || value === 'all') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--subset: give spec, all or a positive whole number (got ${value})`);
  return n;
}

export const extractCommand: CommandModule<GlobalOptions, Args> = {
  command: 'extract',
  describe: "write a finished run's features for a dataset split as .npy (float32 N×d) with fine/coarse labels",
  builder: (y) =>
    executionOptions(y)
      .option('run', { type: 'string', demandOption: true, describe: 'run folder (as printed by cone pretrain)' })
      .option('split', {
        choices: SPLIT_CHOICES,
        default: 'both' as SplitChoice,
        describe: 'which split(s) to write: the probes need both',
      })
      .option('dataset', {
        choices: DATASET_NAMES,
        describe: "another dataset with the same input shape (default: the run's)",
      })
      .option('path', {
        type: 'string',
        describe: "folder the dataset is read from (fashion-mnist, cifar100; default: the run's, else its usual place)",
      })
      .option('subset', {
        type: 'string',
        default: 'spec',
        describe: "images per split: spec (the run's subsets), all, or a class-balanced count",
      })
      .option('batch', { type: 'number', default: 256, describe: 'inference batch size' }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const dir = await extractFeatures(argv.run, {
        split: argv.split,
        dataset: argv.dataset,
        path: argv.path,
        subset: parseSubset(argv.subset),
        backend: argv.backend,
        threads: argv.threads,
        batchSize: argv.batch,
        reporter: terminal(argv),
      });
      process.stdout.write(`${dir}\n`);
    }),
};
