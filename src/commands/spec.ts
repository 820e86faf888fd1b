import type { CommandModule } from 'yargs';
import { loadSpec } from '../config/load.js';
import { specToYaml } from '../config/load.js';
import { runId, specHash } from '../config/hash.js';
import { runAndExit, type GlobalOptions } from './common.js';
import { overridesFrom } from './overrides.js';

interface Args extends GlobalOptions {
  file: string;
}

export const specCommand: CommandModule<GlobalOptions, Args> = {
  command: 'spec <file>',
  describe: 'validate an experiment spec and print it resolved, with its hash',
  builder: (y) => y.positional('file', { type: 'string', demandOption: true, describe: 'spec YAML file' }),
  handler: (argv) =>
    runAndExit(async () => {
      const spec = loadSpec(argv.file, overridesFrom(argv));
      process.stdout.write(`# ${argv.file}: valid\n# hash: ${specHash(spec)}\n# run id: ${runId(spec)}\n${specToYaml(spec)}`);
    }),
};
