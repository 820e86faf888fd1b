import type { CommandModule } from 'yargs';
import { formatOutcome } from '../suite/expectations.js';
import { gridValuesText } from '../suite/aggregate.js';
import { runSuite, type SuiteOutcome } from '../suite/run-suite.js';
import { loadSuite } from '../suite/load.js';
import { CONSOLE_METRICS, differenceTable, differenceVerdicts, label, methodTable } from '../suite/summary.js';
import { UsageError } from '../errors.js';
import { outOption, positiveInteger, runAndExit, withResumeHint, type GlobalOptions } from './common.js';
import { overridesFrom, specFieldOptions } from './overrides.js';
import { rejectSlurmFlags, slurmOptions, submitToSlurm, type SlurmArgs } from './run-slurm.js';
import { terminal } from './terminal.js';

interface Args extends GlobalOptions, SlurmArgs {
  suite: string;
  out?: string;
  jobs: number;
  'dry-run': boolean;
  cell?: string;
  finalize: boolean;
  launcher: 'local' | 'slurm';
}

/** Exit code when a suite's expectation fails (CI reproduction runs rely on it). */
export const EXPECTATION_FAILED = 3;

/** --dry-run: every cell, whether it is done or pending (the words of `cone status`), and the counts. */
function cellList({ cells, pending, waiting }: SuiteOutcome): string {
  const lines = cells.map(
    (c) =>
      `${`${pending.includes(c) ? 'pending' : 'done   '}  [${c.index}] ${c.runId}${c.tuning ? ' (tuning)' : ''}  ${gridValuesText(c.overrides)}`.trimEnd()}\n`,
  );
  const wait = waiting ? `; ${waiting} more wait for their tuning (their run ids name the values it chooses)` : '';
  return `${lines.join('')}${cells.length} cells, ${cells.length - pending.length} done, ${pending.length} to run${wait}\n`;
}

/**
 * After a run: each dataset's table of the headline metrics and the paired differences to the
 * baseline with their intervals (worded higher/lower only when the interval excludes 0), the
 * expectations, failed cells, where the files are.
 */
/** One line per tuned group: the values chosen, and those on the edge of their range. */
function tunedLines(tuning: SuiteOutcome['tuning']): string[] {
  return tuning.map((g) => {
    if (!g.chosen) return `tuning ${label(g)}: not finished\n`;
    const values = Object.entries(g.chosen.values).map(
      ([f, v]) =>
        `${f}=${JSON.stringify(v)}${g.edges[f] ? ` (${g.edges[f] === 'high' ? 'highest' : 'lowest'} tried: widen the range)` : ''}`,
    );
    return `tuned ${label(g)}: ${values.join(', ') || 'nothing it has'}\n`;
  });
}

function runSummary({
  groups,
  baseline,
  outcomes,
  failed,
  summary,
  report,
  tuning,
  unsubmitted,
}: SuiteOutcome): string {
  const tables = [...new Set(groups.map((g) => g.dataset))].map((dataset) => {
    const diff = baseline ? differenceTable(groups, dataset, baseline, CONSOLE_METRICS) : null;
    const verdicts = diff && baseline ? differenceVerdicts(groups, dataset, baseline, CONSOLE_METRICS) : [];
    const differences = diff
      ? `\npaired differences to ${baseline}: mean [95% t interval over seeds] seeds of its sign/seeds\n${diff}\n${verdicts.join('\n')}\n`
      : '';
    return `\n${dataset}\n${methodTable(groups, dataset, CONSOLE_METRICS)}\n${differences}`;
  });
  const checks = outcomes.map((o) => `${formatOutcome(o)}\n`);
  const failures = failed.map((f) => `FAILED CELL ${f.runId}: ${f.error}\n`);
  if (unsubmitted)
    failures.push(
      `${unsubmitted} cells with the values the tuning chose are not submitted yet: run the same cone run --launcher slurm again\n`,
    );
  return `${tunedLines(tuning).join('')}${tables.join('')}${checks.join('')}${failures.join('')}\nsummary: ${summary}\n${report ? `report: ${report}\n` : ''}`;
}

export const runCommand: CommandModule<GlobalOptions, Args> = {
  command: 'run <suite> [overrides..]',
  describe:
    'run a suite (grid of datasets x methods x seeds x fields), skipping finished cells; aggregate, check expectations, write the report',
  builder: (y) =>
    specFieldOptions(y.positional('suite', { type: 'string', demandOption: true, describe: 'suite YAML file' }), 'run')
      .option('out', outOption('results folder the suite folder goes in (default results/)'))
      .option('jobs', {
        type: 'number',
        default: 1,
        requiresArg: true,
        describe: 'cells run at once, each in its own process',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'list the cells and which are done, run nothing',
      })
      .option('cell', {
        type: 'string',
        requiresArg: true,
        describe: 'run this one cell (a run id) and nothing else, as --jobs workers and Slurm tasks do',
      })
      .option('finalize', {
        type: 'boolean',
        default: false,
        describe: 'run no cell: summarise the finished ones, check expectations, write the report',
      })
      .option('launcher', {
        choices: ['local', 'slurm'] as const,
        default: 'local' as const,
        describe: 'local: run here; slurm: submit a job array and a finalize job',
      })
      .options(slurmOptions),
  handler: (argv) =>
    runAndExit(argv, () =>
      withResumeHint(async () => {
        const jobs = positiveInteger('jobs', argv.jobs);
        const suite = loadSuite(argv.suite);
        const overrides = overridesFrom(argv, 'run');
        if (argv.launcher === 'slurm') {
          // Slurm tasks and `cone status` read the suite file: a field set here alone would name other cells.
          const field = overrides.find((o) => o.path !== 'backend' && o.path !== 'threads');
          if (field)
            throw new UsageError(
              `${field.from}: with --launcher slurm, set spec fields in the suite file (its spec:), where the Slurm tasks and cone status read them`,
            );
        }
        if (argv.launcher === 'slurm' && !argv.cell && !argv.finalize) return submitToSlurm(suite, overrides, argv);
        if (argv.launcher === 'local') rejectSlurmFlags(argv);
        const outcome = await runSuite(suite, {
          outputRoot: argv.out ?? 'results',
          jobs,
          dryRun: argv['dry-run'],
          overrides,
          command: ['cone', ...process.argv.slice(2)].join(' '),
          onlyCell: argv.cell,
          finalizeOnly: argv.finalize,
          reporter: terminal(argv),
        });
        if (!argv.cell) process.stdout.write(argv['dry-run'] ? cellList(outcome) : runSummary(outcome));
        if (outcome.outcomes.some((o) => !o.pass)) return EXPECTATION_FAILED;
        return outcome.failed.length ? 1 : 0;
      }),
    ),
};
