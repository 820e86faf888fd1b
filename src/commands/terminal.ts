import type { Reporter } from '../reporter.js';
import { TerminalTrainingProgress } from './training-progress.js';

/** --quiet and --verbose, as every command takes them. */
export interface TerminalOptions {
  quiet: boolean;
  verbose: boolean;
}

/** The Reporter of a command, plus the details only --verbose shows. */
export interface Terminal extends Reporter {
  debug(message: string): void;
}

/**
 * What a command reports goes to stderr, so stdout stays for results (tables, JSON, folders):
 * notices and progress unless --quiet, warnings always, details only with --verbose.
 */
export function terminal(opts: TerminalOptions): Terminal {
  const info = (message: string) => {
    if (!opts.quiet) process.stderr.write(`${message}\n`);
  };
  return {
    info,
    warn: (message) => {
      process.stderr.write(`warning: ${message}\n`);
    },
    debug: (message) => {
      if (opts.verbose) process.stderr.write(`${message}\n`);
    },
    training: (run) => new TerminalTrainingProgress(run, opts.quiet, info),
  };
}
