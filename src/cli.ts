import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ignoreClosedOutput } from './commands/closed-output.js';
import { globalOptions, type GlobalOptions } from './commands/common.js';
import { benchCommand } from './commands/bench.js';
import { DATASETS_SUBCOMMANDS, datasetsCommand } from './commands/datasets.js';
import { extractCommand } from './commands/extract.js';
import { longtailCommand } from './commands/longtail.js';
import { pretrainCommand } from './commands/pretrain.js';
import { probeCommand } from './commands/probe.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';
import { statusCommand } from './commands/status.js';

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type
const COMMANDS: CommandModule<GlobalOptions, any>[] = [
  datasetsCommand,
  specCommand,
  pretrainCommand,
  extractCommand,
  probeCommand,
  longtailCommand,
  runCommand,
  statusCommand,
  reportCommand,
  benchCommand,
];
const SUBCOMMANDS: Record<string, string[]> = { datasets: DATASETS_SUBCOMMANDS };

/** `cone datasets info --help`, `cone run --help` or `cone --help`: the help of the command the user was giving. */
export function helpFor(argv: readonly string[]): string {
  const names = COMMANDS.map((c) => String(c.command).split(' ')[0]);
  const [first, second] = argv.filter((a) => !a.startsWith('-'));
  const words = names.includes(first) ? [first, ...(SUBCOMMANDS[first]?.includes(second) ? [second] : [])] : [];
  return ['cone', ...words, '--help'].join(' ');
}

/** The `cone` command line: every command is registered here, explicitly. */
export async function main(argv = hideBin(process.argv)): Promise<void> {
  ignoreClosedOutput();
  const cli = yargs(argv);
  // Spec fields are flags with dots (--optimizer.lr), kept as one key; each flag has one name in messages.
  cli.parserConfiguration({ 'dot-notation': false, 'camel-case-expansion': false });
  await COMMANDS.reduce((y, c) => y.command(c), globalOptions(cli))
    .scriptName('cone')
    .usage(
      '$0 <command> [options]\n\nDo features that keep their within-class spread (a maximal-separating cone) transfer better than collapsed ones?',
    )
    .demandCommand(1, 'name a command (cone --help lists them)')
    .recommendCommands()
    .strict()
    .fail((msg, err) => {
      // yargs' own errors (a flag without its value, a coerce refusing one) are usage errors; anything else is a bug.
      if (err && err.name !== 'YError') throw err;
      process.stderr.write(`cone: ${msg}\n(${helpFor(argv)} for usage)\n`);
      process.exit(2);
    })
    .help()
    .wrap(Math.min(120, cli.terminalWidth()))
    .parseAsync();
}
