import type { Options } from 'yargs';
import { resolveSpec } from '../config/load.js';
import type { Override } from '../config/overrides.js';
import { UsageError } from '../errors.js';
import { resolveLauncher, type LauncherSettings } from '../launch/settings.js';
import { finalizeArgs, submitSuite } from '../launch/submit.js';
import type { Suite } from '../suite/schema.js';
import type { GlobalOptions } from './common.js';
import { terminal } from './terminal.js';

/** `cone run` flags for the Slurm launcher; each overrides the suite's `launcher:` field of the same name. */
export const slurmOptions = {
  partition: { type: 'string', group: 'Slurm (--launcher slurm):', describe: 'partition' },
  time: { type: 'string', group: 'Slurm (--launcher slurm):', describe: 'time limit per cell (e.g. 04:00:00)' },
  gres: { type: 'string', group: 'Slurm (--launcher slurm):', describe: 'generic resources per cell (e.g. gpu:1)' },
  'cpus-per-task': {
    type: 'number',
    group: 'Slurm (--launcher slurm):',
    describe: 'cpus per cell, also its --threads (default 1)',
  },
  mem: { type: 'string', group: 'Slurm (--launcher slurm):', describe: 'memory per cell (e.g. 8G)' },
  account: {
    type: 'string',
    group: 'Slurm (--launcher slurm):',
    describe: 'account charged for the jobs (sbatch --account)',
  },
  qos: {
    type: 'string',
    group: 'Slurm (--launcher slurm):',
    describe: 'quality of service of the jobs (sbatch --qos)',
  },
  'max-running': {
    type: 'number',
    group: 'Slurm (--launcher slurm):',
    describe: 'cells running at once (array throttle)',
  },
  'signal-before': {
    type: 'number',
    group: 'Slurm (--launcher slurm):',
    describe: 'seconds before the time limit to checkpoint and requeue (default 120)',
  },
  'sbatch-arg': {
    type: 'string',
    array: true,
    group: 'Slurm (--launcher slurm):',
    describe: 'extra sbatch option, e.g. --sbatch-arg=--constraint=a100 (repeatable)',
  },
} satisfies Record<string, Options>;

export interface SlurmArgs {
  partition?: string;
  time?: string;
  gres?: string;
  'cpus-per-task'?: number;
  mem?: string;
  account?: string;
  qos?: string;
  'max-running'?: number;
  'signal-before'?: number;
  'sbatch-arg'?: string[];
}

function flagSettings(a: SlurmArgs): Partial<LauncherSettings> {
  return {
    partition: a.partition,
    time: a.time,
    gres: a.gres,
    cpus_per_task: a['cpus-per-task'],
    mem: a.mem,
    account: a.account,
    qos: a.qos,
    max_running: a['max-running'],
    signal_before: a['signal-before'],
    sbatch_args: a['sbatch-arg'],
  };
}

/** Slurm flags only make sense with --launcher slurm; refuse them elsewhere rather than ignore them. */
export function rejectSlurmFlags(a: SlurmArgs): void {
  const given = Object.keys(slurmOptions).filter((k) => a[k as keyof SlurmArgs] !== undefined);
  if (given.length) throw new UsageError(`--${given[0]} is a Slurm setting: add --launcher slurm (or drop it)`);
}

/** `cone run <suite> --launcher slurm [--dry-run]`: submit (or show) the array and finalize job, and say where things go. */
export async function submitToSlurm(
  suite: Suite,
  overrides: readonly Override[],
  argv: GlobalOptions & SlurmArgs & { jobs: number; 'dry-run': boolean; out?: string },
): Promise<number> {
  const threads = overrides.find((o) => o.path === 'threads');
  if (threads)
    throw new UsageError(`${threads.from}: on Slurm each cell runs with its --cpus-per-task as threads; give that`);
  const backendOverride = overrides.find((o) => o.path === 'backend');
  // Checked as the spec file's field is: the tasks pass it on to every cell.
  const backend = backendOverride
    ? resolveSpec({ backend: backendOverride.value }, backendOverride.from, () => backendOverride.from).backend
    : undefined;
  if (argv.jobs !== 1)
    throw new UsageError(
      '--jobs is for --launcher local; on Slurm, --max-running (launcher.max_running) limits the cells running at once',
    );
  const settings = resolveLauncher(suite.launcher, flagSettings(argv), `${suite.file}`);
  const r = submitSuite(suite, settings, {
    outputRoot: argv.out ?? 'results',
    dryRun: argv['dry-run'],
    backend,
  });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const summary = `${suite.name}: ${r.cells.length} cells, ${r.done.length} done, ${r.active.length} pending or running in Slurm, ${r.submit.length} to submit -> ${r.dir}`;
  const waiting = r.waiting
    ? `${r.waiting} more cells wait for their tuning, as their run ids name the values it chooses: once the tuning jobs have ended (cone status ${r.dir}), run this command again to submit them`
    : null;
  if (argv['dry-run']) {
    out(summary);
    if (waiting) out(waiting);
    if (r.arrayScript) out(`\n# sbatch --parsable ${r.arrayScript.file}\n${r.arrayScript.text}`);
    if (r.finalizeScript)
      out(
        `# sbatch --parsable ${finalizeArgs(r.arrayScript ? '<array job>' : null, r.waitsFor).join(' ')} ${r.finalizeScript.file}\n${r.finalizeScript.text}`,
      );
    if (r.supersedes.length)
      out(`would cancel the pending finalize job(s) ${r.supersedes.join(', ')}, replaced by the new one`);
    if (r.pendingFinalize)
      out(`nothing to submit: finalize job ${r.pendingFinalize} writes the summary once the cells in Slurm end`);
    return 0;
  }
  terminal(argv).info(summary);
  if (r.arrayJob) {
    out(`array job ${r.arrayJob}: ${r.submit.length} task(s), ${settings.cpus_per_task} cpu(s) each`);
    for (const l of r.logs) out(`  ${l.task}  ${l.runId}  log ${l.log}`);
  }
  if (r.finalizeJob) {
    const after = [...(r.arrayJob ? [r.arrayJob] : []), ...r.waitsFor];
    out(
      `finalize job ${r.finalizeJob}${after.length ? ` (after ${after.join(', ')} end)` : ''}: summary, expectations, report; log ${r.finalizeLog}`,
    );
  }
  if (r.supersedes.length)
    out(`cancelled the pending finalize job(s) ${r.supersedes.join(', ')}: the new one replaces them`);
  if (r.pendingFinalize)
    out(`nothing to submit: finalize job ${r.pendingFinalize} writes the summary once the cells in Slurm end`);
  if (waiting) out(waiting);
  out(`follow with: cone status ${r.dir}`);
  return 0;
}
