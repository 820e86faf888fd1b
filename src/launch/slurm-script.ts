import path from 'node:path';
import { SUITE_FILES } from '../io/run-layout.js';
import { signalBefore, type LauncherSettings } from './settings.js';

/** Everything a job needs to find, as absolute paths: nodes share nothing else with the submitter. */
export interface JobContext {
  suiteName: string;
  suiteFile: string;
  outputRoot: string;
  suiteDir: string;
  /** The node executable and bin/cone.js, as on the submitting machine (shared software). */
  node: string;
  coneBin: string;
  backend?: string;
}

/** Where the scripts, the submission record and the task logs live: inside the suite folder. */
export function slurmDir(suiteDir: string): string {
  return path.join(suiteDir, SUITE_FILES.slurm);
}

export function logDir(suiteDir: string): string {
  return path.join(slurmDir(suiteDir), 'logs');
}

/** The log of array task `task` of job `arrayJob` (the `%A_%a` pattern of the array script). */
export function taskLog(suiteDir: string, arrayJob: string, task: number): string {
  return path.join(logDir(suiteDir), `${arrayJob}_${task}.log`);
}

export function finalizeLog(suiteDir: string, job: string): string {
  return path.join(logDir(suiteDir), `finalize-${job}.log`);
}

/** A word for bash, single-quoted unless it is plainly safe. */
export function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Slurm job names: the suite name with anything unusual replaced. */
function jobName(suiteName: string, suffix = ''): string {
  return `cone-${suiteName.replace(/[^\w.-]/g, '_')}${suffix}`;
}

function commonDirectives(s: LauncherSettings, withTaskResources: boolean): string[] {
  const d: string[] = [];
  if (s.partition) d.push(`--partition=${s.partition}`);
  if (s.account) d.push(`--account=${s.account}`);
  if (s.qos) d.push(`--qos=${s.qos}`);
  if (s.time) d.push(`--time=${s.time}`);
  if (s.mem) d.push(`--mem=${s.mem}`);
  d.push(`--cpus-per-task=${withTaskResources ? s.cpus_per_task : 1}`);
  if (withTaskResources && s.gres) d.push(`--gres=${s.gres}`);
  d.push(...s.sbatch_args);
  return d;
}

/** `node cone.js run <suite> ... --out <root>`; `words` are already shell words (they may expand variables). */
function coneCommand(ctx: JobContext, words: string[]): string {
  const backend = ctx.backend ? ['--backend', ctx.backend] : [];
  return [
    ...[ctx.node, ctx.coneBin, 'run', ctx.suiteFile].map(shellQuote),
    ...words,
    ...['--out', ctx.outputRoot, ...backend].map(shellQuote),
  ].join(' ');
}

/**
 * The job array: task i runs `cone run <suite> --cell <cells[i]>` with the task's cpus as threads.
 * Slurm's warning before the time limit goes to this shell (B:USR1); it passes SIGTERM to node, which
 * checkpoints and exits 130, and the task requeues itself so that it resumes from the checkpoint.
 */
export function arrayScript(ctx: JobContext, cells: string[], s: LauncherSettings): string {
  if (cells.length === 0) throw new Error('arrayScript: no cells');
  const throttle = s.max_running ? `%${s.max_running}` : '';
  const directives = [
    `--job-name=${jobName(ctx.suiteName)}`,
    `--array=0-${cells.length - 1}${throttle}`,
    `--output=${path.join(logDir(ctx.suiteDir), '%A_%a.log')}`,
    // A requeued task appends to the log of its first run.
    '--open-mode=append',
    ...commonDirectives(s, true),
    `--signal=B:USR1@${signalBefore(s)}`,
    '--requeue',
  ];
  return [
    '#!/bin/bash',
    `# cone: ${cells.length} cell(s) of suite ${ctx.suiteName} (${ctx.suiteFile}), one array task per cell.`,
    ...directives.map((d) => `#SBATCH ${d}`),
    'set -u',
    'cells=(',
    ...cells.map((c) => `  ${shellQuote(c)}`),
    ')',
    // \${ is bash's ${ (parameter expansion), not a JS placeholder.
    `cell=\${cells[$SLURM_ARRAY_TASK_ID]}`,
    `task="\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}"`,
    `echo "cone: cell $cell, task $task on $(hostname), $(date -u +%FT%TZ), restart \${SLURM_RESTART_COUNT:-0}"`,
    '# node runs in the background so that this shell can take signals while it trains.',
    `${coneCommand(ctx, ['--cell', '"$cell"', '--threads', `"\${SLURM_CPUS_PER_TASK:-1}"`])} &`,
    'pid=$!',
    'warned=0',
    '# The warning before the time limit reaches only this shell: pass it on as SIGTERM (checkpoint, exit 130).',
    'trap \'warned=1; echo "cone: time limit near: checkpointing"; kill -TERM "$pid" 2>/dev/null\' USR1',
    '# scancel, preemption and the time limit itself signal node directly; a second signal from here',
    '# would make it quit before its checkpoint is written, so only wait for it.',
    "trap ':' TERM",
    'while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done',
    'wait "$pid"; rc=$?',
    '# 130: checkpoint saved; 143: killed by the SIGTERM before it could listen (nothing to save yet).',
    'if [ "$warned" -eq 1 ] && { [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; }; then',
    '  echo "cone: checkpoint saved; requeueing $task to resume from it"',
    '  scontrol requeue "$task"',
    'fi',
    'exit "$rc"',
    '',
  ].join('\n');
}

/**
 * The finalize job (submitted with --dependency=afterany on the array): aggregate the finished cells,
 * check the expectations, write summary.csv, summary.md and report.html, and report failed cells.
 */
export function finalizeScript(ctx: JobContext, s: LauncherSettings): string {
  const directives = [
    `--job-name=${jobName(ctx.suiteName, '-finalize')}`,
    `--output=${path.join(logDir(ctx.suiteDir), 'finalize-%j.log')}`,
    ...commonDirectives(s, false),
  ];
  return [
    '#!/bin/bash',
    `# cone: summary, expectations and report of suite ${ctx.suiteName} once its cells have ended.`,
    ...directives.map((d) => `#SBATCH ${d}`),
    `exec ${coneCommand(ctx, ['--finalize'])}`,
    '',
  ].join('\n');
}
