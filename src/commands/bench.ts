import type { CommandModule } from 'yargs';
import { formatBench, formatComparison, leakWarning } from '../bench/report.js';
import { checkBenchSettings } from '../bench/measure.js';
import { compareBench, runBench, type BenchOptions, type BenchResult } from '../bench/run.js';
import { NETWORK_NAMES } from '../model/networks/index.js';
import { BACKEND_NAMES } from '../backend/names.js';
import { OPTIMIZER_NAMES } from '../config/schema.js';
import type { BenchOptimizer } from '../bench/step.js';
import { executionOptions, runAndExit, seedOption, type ExecutionOptions, type GlobalOptions } from './common.js';
import { terminal } from './terminal.js';

interface Args extends GlobalOptions, ExecutionOptions {
  seed: number;
  model: (typeof NETWORK_NAMES)[number];
  batch: number;
  steps: number;
  warmup: number;
  optimizer: BenchOptimizer;
  compare?: (typeof BACKEND_NAMES)[number];
  profile: boolean;
  json: boolean;
}

export const benchCommand: CommandModule<GlobalOptions, Args> = {
  command: 'bench',
  describe: 'time training and inference steps of a network on random data (see docs/performance.md)',
  builder: (y) =>
    executionOptions(y)
      .option('seed', seedOption('random seed of the weights and data'))
      .option('model', { choices: NETWORK_NAMES, default: 'cnn28' as const, describe: 'network to time' })
      .option('batch', { type: 'number', requiresArg: true, default: 128, describe: 'batch size' })
      .option('steps', {
        type: 'number',
        requiresArg: true,
        default: 20,
        describe: 'timed training steps (and as many inference passes)',
      })
      .option('warmup', {
        type: 'number',
        requiresArg: true,
        default: 3,
        describe: 'untimed training steps first (at least 1)',
      })
      .option('optimizer', {
        choices: OPTIMIZER_NAMES,
        default: 'sgd' as const,
        describe: 'sgd = SGD with momentum 0.9',
      })
      .option('compare', {
        choices: BACKEND_NAMES,
        describe: 'also run on this backend and print the throughput ratio',
      })
      .option('profile', { type: 'boolean', default: false, describe: 'time each kernel over one extra step' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of text' }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const out = terminal(argv);
      const opts: BenchOptions = {
        model: argv.model,
        batch: argv.batch,
        steps: argv.steps,
        warmup: argv.warmup,
        optimizer: argv.optimizer,
        seed: argv.seed,
        profile: argv.profile,
        backend: argv.backend ?? 'auto',
        threads: argv.threads,
        // As every command says it: a software adapter or a fallback changes what the numbers mean.
        log: out.warn,
      };
      checkBenchSettings(opts);
      out.info(`bench: ${opts.model}, batch ${opts.batch}, ${opts.warmup} warm-up + ${opts.steps} timed steps`);
      const print = (result: BenchResult, runs: BenchResult[], lines: string[]) => {
        for (const leak of runs.map(leakWarning)) if (leak) out.warn(leak);
        process.stdout.write(argv.json ? `${JSON.stringify(result)}\n` : `${lines.join('\n')}\n`);
      };
      if (argv.compare) {
        const c = await compareBench(opts, argv.compare);
        print(c, [c, c.compare], formatComparison(c));
      } else {
        const r = await runBench(opts);
        print(r, [r], formatBench(r));
      }
    }),
};
