import fs from 'node:fs';
import path from 'node:path';
import { RunError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { slurmDir } from './slurm-script.js';

/** One `cone run --launcher slurm`: which cells went into which array, and its finalize job. */
export interface Submission {
  submitted: string;
  /** Absolute paths, so that `cone status <suite folder>` can rebuild the cells. */
  suite_file: string;
  output_root: string;
  /** Job id of the array; null when every cell was already done and only the finalize job ran. */
  array_job: string | null;
  finalize_job: string;
  /** Run ids by array task index. */
  cells: string[];
  array_script: string | null;
  finalize_script: string;
}

export function recordFile(suiteDir: string): string {
  return path.join(slurmDir(suiteDir), 'submissions.json');
}

/** Every submission of a suite folder, oldest first (empty when it was never submitted). */
export function readSubmissions(suiteDir: string): Submission[] {
  const file = recordFile(suiteDir);
  if (!fs.existsSync(file)) return [];
  try {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { submissions: Submission[] };
    return doc.submissions;
  } catch (e) {
    throw new RunError(
      `${file}: corrupt submission record (${(e as Error).message}); delete it, and cancel this suite's jobs with scancel if any are left`,
    );
  }
}

export function appendSubmission(suiteDir: string, s: Submission): void {
  const all = [...readSubmissions(suiteDir), s];
  writeFileAtomic(recordFile(suiteDir), JSON.stringify({ submissions: all }, null, 2) + '\n');
}

/** Where each cell was last submitted: run id -> {array job, task index}. */
export function lastTaskOfCell(subs: Submission[]): Map<string, { job: string; task: number }> {
  const m = new Map<string, { job: string; task: number }>();
  for (const s of subs) if (s.array_job) s.cells.forEach((id, task) => m.set(id, { job: s.array_job!, task }));
  return m;
}
