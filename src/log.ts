import pino from 'pino';
import { makeDir } from './io/atomic.js';
import { runPath } from './io/run-layout.js';

/**
 * A JSON-lines log (pino) inside a run folder, for later inspection of what a run did. It is a file
 * the run writes; what the user sees while it runs goes to a Reporter (reporter.ts).
 */
export function runLogger(runDir: string): pino.Logger {
  makeDir(runDir);
  return pino({ base: undefined }, pino.destination({ dest: runPath(runDir, 'log'), append: true, sync: true }));
}
