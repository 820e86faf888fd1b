import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { readSubmissions, recordFile } from '../../src/launch/record.js';
import { cone } from '../helpers/cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-record-'));
let n = 0;

const submission = {
  submitted: '2026-01-01T00:00:00.000Z',
  suite_file: '/x/suite.yaml',
  output_root: '/x/results',
  array_job: '12',
  finalize_job: '13',
  cells: ['synthetic-ce-s0-d92d40bd'],
  array_script: '/x/results/s/slurm/1-array.sh',
  finalize_script: '/x/results/s/slurm/1-finalize.sh',
};

/** A suite folder whose slurm/submissions.json holds `doc`. */
function suiteWithRecord(doc: unknown): string {
  const dir = path.join(root, `s${n++}`);
  fs.mkdirSync(path.join(dir, 'slurm'), { recursive: true });
  fs.writeFileSync(recordFile(dir), JSON.stringify(doc));
  return dir;
}

describe('slurm/submissions.json', () => {
  it('reads a valid record', () => {
    const dir = suiteWithRecord({ submissions: [submission, { ...submission, array_job: null, array_script: null }] });
    expect(readSubmissions(dir)).toHaveLength(2);
  });

  it('refuses a wrong-typed record in one line naming the file and the field', () => {
    const cases: [unknown, RegExp][] = [
      [[], /: must be object;/],
      [{ submissions: 5 }, /: submissions must be array;/],
      [{ submissions: {} }, /: submissions must be array;/],
      [{ submissions: [{ ...submission, cells: 3 }] }, /: submissions\.0\.cells must be array;/],
      [{ submissions: [{ ...submission, finalize_job: 13 }] }, /: submissions\.0\.finalize_job must be string;/],
      // Values that become paths (task logs, run folders) or squeue arguments.
      [{ submissions: [{ ...submission, cells: ['../../outside'] }] }, /: submissions\.0\.cells\.0 must match/],
      [{ submissions: [{ ...submission, finalize_job: '13/../../x' }] }, /: submissions\.0\.finalize_job must match/],
    ];
    for (const [doc, why] of cases) {
      const dir = suiteWithRecord(doc);
      const e = (() => {
        try {
          readSubmissions(dir);
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(doc)).toBeInstanceOf(RunError);
      const message = (e as RunError).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message.startsWith(`${recordFile(dir)}: `)).toBe(true);
      expect(message).toContain('; a corrupt submission record: delete it');
      expect(message).toMatch(why);
    }
  });

  it('cone status on such a folder: one line, exit 1, no internal error', () => {
    const dir = suiteWithRecord({ submissions: 5 });
    const r = cone(['status', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `cone: ${recordFile(dir)}: submissions must be array; a corrupt submission record: delete it, and cancel this suite's jobs with scancel if any are left`,
    ]);
  });
});
