import type { CommandModule } from 'yargs';
import { loadSpec } from '../config/load.js';
import { pretrain } from '../pipelines/pretrain.js';
import { discardRun } from '../pipelines/training-run.js';
import { METHOD_NAMES } from '../config/schema.js';
import { runAndExit, withResumeHint, type GlobalOptions } from './common.js';
import { overridesFrom } from './overrides.js';

interface Args extends GlobalOptions {
  config: string;
  method?: string;
  epochs?: number;
  subset?: number;
  resume: boolean;
}

export const pretrainCommand: CommandModule<GlobalOptions, Args> = {
  command: 'pretrain',
  describe: 'train a feature extractor on the coarse labels with one method; resumes an interrupted run',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'experiment spec (YAML)' })
      .option('method', { choices: METHOD_NAMES, describe: 'override method.name' })
      .option('epochs', { type: 'number', describe: 'override epochs' })
      .option('subset', { type: 'number', describe: 'override dataset.subset (class-balanced training subset)' })
      .option('resume', { type: 'boolean', default: true, describe: 'continue from the run folder\'s checkpoint (--no-resume deletes the run folder and starts over)' }),
  handler: (argv) =>
    runAndExit(() =>
      withResumeHint(async () => {
        const spec = loadSpec(argv.config, overridesFrom(argv));
        if (!argv.resume) await discardRun(spec, 'pretrain');
        const result = await pretrain(spec, { quiet: argv.quiet });
        process.stdout.write(`${result.runDir}\n`);
      }),
    ),
};
