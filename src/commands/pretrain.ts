import type { CommandModule } from 'yargs';
import { loadSpec } from '../config/load.js';
import { pretrain } from '../pipelines/pretrain.js';
import { runTraining, trainingOptions, type GlobalOptions, type TrainingOptions } from './common.js';
import { overridesFrom, specFieldOptions } from './overrides.js';

export const pretrainCommand: CommandModule<GlobalOptions, TrainingOptions> = {
  command: 'pretrain [overrides..]',
  describe: 'train a feature extractor on the coarse labels with one method; resumes an interrupted run',
  builder: (y) =>
    specFieldOptions(
      trainingOptions(y, {
        config: 'experiment spec (YAML)',
        resume: "continue from the run folder's checkpoint (--no-resume deletes the run folder and starts over)",
      }),
      'pretrain',
    ),
  handler: (argv) =>
    runTraining(argv, 'pretrain', pretrain, async (train) => {
      const result = await train(loadSpec(argv.config, overridesFrom(argv, 'pretrain')));
      process.stdout.write(`${result.runDir}\n`);
    }),
};
