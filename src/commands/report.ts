import type { CommandModule } from 'yargs';
import { writeReport } from '../report/index.js';
import { suiteFolderOf } from '../suite/origin.js';
import { outOption, runAndExit, type GlobalOptions } from './common.js';

interface Args extends GlobalOptions {
  suite: string;
  baseline?: string;
  out: string;
}

export const reportCommand: CommandModule<GlobalOptions, Args> = {
  command: 'report <suite>',
  describe:
    'write <suite>/report.html: accuracy, collapse metrics, feature angles and training curves as charts (works offline)',
  builder: (y) =>
    y
      .positional('suite', {
        type: 'string',
        demandOption: true,
        describe: 'suite folder (results/<suite>/) or suite file (its folder under --out)',
      })
      .option('out', { ...outOption('results folder a suite file was run into'), default: 'results' })
      .option('baseline', {
        type: 'string',
        describe: 'method the paired differences are taken to (default: ce when the suite ran it)',
      }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      process.stdout.write(`${await writeReport(suiteFolderOf(argv.suite, argv.out), argv.baseline)}\n`);
    }),
};
