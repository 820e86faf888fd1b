import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ignoreClosedOutput } from './commands/closed-output.js';
import { globalOptions } from './commands/common.js';
import { benchCommand } from './commands/bench.js';
import { datasetsCommand } from './commands/datasets.js';
import { extractCommand } from './commands/extract.js';
import { longtailCommand } from './commands/longtail.js';
import { pretrainCommand } from './commands/pretrain.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';
import { statusCommand } from './commands/status.js';

/** The `cone` command line: every command is registered here, explicitly. */
export async function main(argv = hideBin(process.argv)): Promise<void> {
  ignoreClosedOutput();
  const cli = yargs(argv);
  await globalOptions(cli)
    .scriptName('cone')
    .usage(
      '$0 <command> [options]\n\nDo features that keep their within-class spread (a maximal-separating cone) transfer better than collapsed ones?',
    )
    .command(datasetsCommand)
    .command(specCommand)
    .command(pretrainCommand)
    .command(extractCommand)
    .command(probeCommand)
    .command(longtailCommand)
    .command(runCommand)
    .command(statusCommand)
    .command(reportCommand)
    .command(benchCommand)
    .demandCommand(1, 'name a command (cone --help lists them)')
    .recommendCommands()
    .strict()
    .fail((msg, err) => {
      // yargs' own errors (a flag without its value, a coerce refusing one) are usage errors; anything else is a bug.
      if (err && err.name !== 'YError') throw err;
      process.stderr.write(`cone: ${msg}\n(cone --help for usage)\n`);
      process.exit(2);
    })
    .help()
    .wrap(Math.min(120, cli.terminalWidth()))
    .parseAsync();
}
