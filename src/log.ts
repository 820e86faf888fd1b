import pino from 'pino';
import { makeDir } from './io/atomic.js';
import { runPath } from './io/run-layout.js';

export interface LogOptions {
  verbose?: boolean;
  quiet?: boolean;
}

/** The global console options, set once by the CLI from --verbose/--quiet. */
const consoleOptions: LogOptions = {};

export function setConsoleOptions(opts: LogOptions): void {
  Object.assign(consoleOptions, opts);
}

export function isVerbose(): boolean {
  return Boolean(consoleOptions.verbose);
}

/** Progress and notices go to stderr, so stdout stays for results (tables, JSON). */
export function info(message: string): void {
  if (!consoleOptions.quiet) process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

export function debug(message: string): void {
  if (consoleOptions.verbose) process.stderr.write(`${message}\n`);
}

/** A JSON-lines log (pino) inside a run folder, for later inspection of what a run did. */
export function runLogger(runDir: string): pino.Logger {
  makeDir(runDir);
  return pino({ base: undefined }, pino.destination({ dest: runPath(runDir, 'log'), append: true, sync: true }));
}
