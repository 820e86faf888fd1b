import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { compileSchema, readJsonFile } from '../io/json-file.js';
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

/** Job ids as sbatch gives them; run ids as one path segment (they name log and run folders). */
const JOB_ID = { type: 'string', pattern: '^[0-9]+$' };
const RUN_ID = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$' };
const recordSchema = {
  type: 'object',
  required: ['submissions'],
  properties: {
    submissions: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'submitted',
          'suite_file',
          'output_root',
          'array_job',
          'finalize_job',
          'cells',
          'array_script',
          'finalize_script',
        ],
        properties: {
          submitted: { type: 'string' },
          suite_file: { type: 'string' },
          output_root: { type: 'string' },
          array_job: { anyOf: [JOB_ID, { type: 'null' }] },
          finalize_job: JOB_ID,
          cells: { type: 'array', items: RUN_ID },
          array_script: { type: ['string', 'null'] },
          finalize_script: { type: 'string' },
        },
      },
    },
  },
};
const validRecord = compileSchema<{ submissions: Submission[] }>(recordSchema);

const CORRUPT = "a corrupt submission record: delete it, and cancel this suite's jobs with scancel if any are left";

export function recordFile(suiteDir: string): string {
  return path.join(slurmDir(suiteDir), 'submissions.json');
}

/** Every submission of a suite folder, oldest first (empty when it was never submitted). */
export function readSubmissions(suiteDir: string): Submission[] {
  const file = recordFile(suiteDir);
  if (!fs.existsSync(file)) return [];
  return readJsonFile(file, validRecord, CORRUPT).submissions;
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
