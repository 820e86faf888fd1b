import type { CommandModule } from 'yargs';
import { loadSpec } from '../config/load.js';
import { pretrain } from '../pipelines/pretrain.js';
import { runTraining, trainingOptions, type GlobalOptions, type TrainingOptions } from './common.js';
import { overridesFrom } from './overrides.js';

export const pretrainCommand: CommandModule<GlobalOptions, TrainingOptions> = {
  command: 'pretrain',
  describe: 'train a feature extractor on the coarse labels with one method; resumes an interrupted run',
  builder: (y) =>
    trainingOptions(y, {
      config: 'experiment spec (YAML)',
      method: 'override method.name',
      subset: 'override dataset.subset (class-balanced training subset)',
      resume: "continue from the run folder's checkpoint (--no-resume deletes the run folder and starts over)",
    }),
  handler: (argv) =>
    runTraining(argv, 'pretrain', pretrain, async (train) => {
      const result = await train(loadSpec(argv.config, overridesFrom(argv)));
      process.stdout.write(`${result.runDir}\n`);
    }),
};
