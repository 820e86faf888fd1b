import type { CommandModule } from 'yargs';
import { datasetPresent, loadDataset } from '../data/registry.js';
import { UsageError } from '../errors.js';
import { loadSpec, SpecError, specToYaml } from '../config/load.js';
import { runId, specHash } from '../config/hash.js';
import { runAndExit, type GlobalOptions } from './common.js';
import { overridesFrom, specFieldOptions } from './overrides.js';

interface Args extends GlobalOptions {
  file: string;
}

export const specCommand: CommandModule<GlobalOptions, Args> = {
  command: 'spec <file> [overrides..]',
  describe: 'validate an experiment spec and print it resolved (with its base and overrides), its hash and run id',
  builder: (y) =>
    specFieldOptions(y.positional('file', { type: 'string', demandOption: true, describe: 'spec YAML file' }), 'spec'),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const spec = loadSpec(argv.file, overridesFrom(argv, 'spec'));
      // Subset sizes against the split sizes need the data, so they are checked when it is here.
      if ((spec.dataset.subset !== null || spec.dataset.test_subset !== null) && datasetPresent(spec.dataset)) {
        await loadDataset({ ...spec.dataset, seed: spec.seed }).catch((e: unknown) => {
          throw e instanceof UsageError ? new SpecError([`${argv.file}: dataset.${e.message}`]) : e;
        });
      }
      process.stdout.write(
        `# ${argv.file}: valid\n# hash: ${specHash(spec)}\n# run id: ${runId(spec)}\n${specToYaml(spec)}`,
      );
    }),
};
