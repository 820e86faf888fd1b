import type { Argv } from 'yargs';
import { ConeError, fromSystemError, InterruptedError, UsageError } from '../errors.js';
import { BACKEND_NAMES } from '../backend/names.js';
import type { RunKind } from '../config/hash.js';
import type { Spec } from '../config/schema.js';
import { discardRun } from '../pipelines/training-run.js';
import type { Reporter } from '../reporter.js';
import { terminal } from './terminal.js';

/** Options every command accepts (registered once in src/cli.ts). */
export interface GlobalOptions {
  verbose: boolean;
  quiet: boolean;
}

export function globalOptions<T>(y: Argv<T>) {
  return y
    .option('verbose', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'more output, and stack traces on errors',
    })
    .option('quiet', { type: 'boolean', default: false, global: true, describe: 'only results and errors' });
}

/** Where commands that compute without a spec (extract, probe, bench) run. */
export interface ExecutionOptions {
  backend?: (typeof BACKEND_NAMES)[number];
  threads?: number;
}

export function executionOptions<T>(y: Argv<T>) {
  return (
    y
      .option('backend', { choices: BACKEND_NAMES, describe: 'compute backend (default: auto)' })
      // requiresArg: yargs would read `--threads` with no value as unset.
      .option('threads', { type: 'number', requiresArg: true, describe: 'wasm threads (default: number of cores)' })
  );
}

/** A --seed flag of a command without a spec (bench, datasets info). */
export function seedOption(describe: string) {
  return { type: 'number', default: 0, requiresArg: true, coerce: seedFlag, describe } as const;
}

/** An --out flag of a command that finds or writes a suite folder (run, status, report); `--out` alone would be '' (this folder). */
export function outOption(describe: string) {
  return { type: 'string', requiresArg: true, coerce: utf8Path('out'), describe } as const;
}

/**
 * A path flag must be what was typed: Node decodes the command line as UTF-8 and puts U+FFFD for
 * bytes that are not, so cone would write to another folder than the one named.
 */
function utf8Path(flag: string): (value: string) => string {
  return (value) => {
    if (value.includes('\uFFFD'))
      throw new UsageError(
        `--${flag}: ${JSON.stringify(value)} is not UTF-8 text (\uFFFD marks bytes that are not); name a folder in UTF-8`,
      );
    return value;
  };
}

/** Seeds above 2^53 round to their neighbours (9007199254740993 is read as …992): two runs would be one. */
function seedFlag(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UsageError(
      `--seed: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER} (got ${value}${Number.isInteger(value) ? ', as read' : ''})`,
    );
  return value;
}

/** A count flag (e.g. --jobs) must be a positive integer; yargs parses `abc` as NaN and keeps 0, -1 and 1.5. */
export function positiveInteger(flag: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${flag}: must be a positive integer (got ${value})`);
  return value;
}

/**
 * Run a command body and turn failures into one line on stderr and an exit code:
 * 2 usage/spec, 1 runtime (file-system errors too: disk full, read-only, a file where a folder
 * should be), 130 interrupted. Stack traces only with --verbose.
 */
export async function runAndExit(argv: { verbose: boolean }, body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (caught) {
    const e = caught instanceof ConeError ? caught : (fromSystemError(caught) ?? caught);
    if (e instanceof ConeError) {
      for (const line of e.message.split('\n')) process.stderr.write(`cone: ${line}\n`);
      if (argv.verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
    } else {
      const err = e as Error;
      process.stderr.write(
        `cone: internal error: ${err?.message ?? String(e)}${argv.verbose ? '' : ' (run with --verbose for the stack trace)'}\n`,
      );
      if (argv.verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 1;
    }
  }
}

/** On an interrupted run, tell the user the exact command that resumes it. */
export async function withResumeHint<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof InterruptedError) {
      const again = ['cone', ...process.argv.slice(2)]
        .map((a) => (/^[\w./:=-]+$/.test(a) ? a : JSON.stringify(a)))
        .join(' ');
      throw new InterruptedError(`${e.message}\nresume with: ${again}`);
    }
    throw e;
  }
}

/** Options of the commands that train (pretrain, longtail); spec fields come as overrides. */
export interface TrainingOptions extends GlobalOptions {
  config: string;
  resume: boolean;
}

/** The options every training command takes besides its spec fields; `help` says what they mean for this command. */
export function trainingOptions<T>(y: Argv<T>, help: { config: string; resume: string }) {
  return y
    .option('config', { type: 'string', demandOption: true, describe: help.config })
    .option('resume', { type: 'boolean', default: true, describe: help.resume });
}

/**
 * The body of a training command, under runAndExit and withResumeHint. `body` trains each spec
 * through `train`, which runs `pipeline` on it, first deleting its run folder under --no-resume.
 */
export function runTraining<R>(
  argv: TrainingOptions,
  kind: RunKind,
  pipeline: (spec: Spec, opts: { reporter: Reporter }) => Promise<R>,
  body: (train: (spec: Spec) => Promise<R>) => Promise<void>,
): Promise<void> {
  const reporter = terminal(argv);
  return runAndExit(argv, () =>
    withResumeHint(() =>
      body(async (spec) => {
        if (!argv.resume) await discardRun(spec, kind);
        return pipeline(spec, { reporter });
      }),
    ),
  );
}
