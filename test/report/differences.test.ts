import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { differencesTable } from '../../src/report/differences.js';
import { groupsOf } from '../../src/report/groups.js';
import { writeReport } from '../../src/report/index.js';
import type { SummaryRow } from '../../src/report/read-suite.js';
import { writeFixtureSuite } from './fixture.js';

function row(
  method: string,
  seed: number,
  metric: string,
  value: number,
  overrides = '{}',
  pipeline = 'pretrain',
): SummaryRow {
  return {
    suite: 's',
    cell: '0',
    pipeline,
    dataset: 'mnist',
    method,
    seed: String(seed),
    overrides,
    run_id: `${method}-${seed}`,
    metric,
    value,
  };
}

// cone (θ = 30, a field ce does not have) − ce per seed: fine.linear +0.02, +0.03, −0.01; nc1 −0.2, −0.3, −0.25.
// ce also ran seed 3, which cone did not: it is left out of the pairs.
const rows: SummaryRow[] = [
  ...[0.8, 0.7, 0.75, 0.1].map((v, s) => row('ce', s, 'fine.linear', v)),
  ...[0.5, 0.5, 0.5].map((v, s) => row('ce', s, 'nc1', v)),
  ...[0.82, 0.73, 0.74].map((v, s) => row('cone', s, 'fine.linear', v, '{"method.theta":30}')),
  ...[0.3, 0.2, 0.25].map((v, s) => row('cone', s, 'nc1', v, '{"method.theta":30}')),
];

describe('differences to the baseline in the report', () => {
  it('pair by seed across a grid field only one method has: mean, 95% t interval, seeds of its sign, reading', () => {
    const table = differencesTable(rows, groupsOf(rows).groups, 'ce')!;
    // scipy: stats.t.interval(0.95, 2, loc=mean, scale=std(ddof=1)/sqrt(3)) of the per-seed differences.
    expect(table.rows).toEqual([
      ['cone · method.theta=30', 'fine.linear', '+0.0133', '[-0.0384, +0.065]', '2/3', 'no clear difference'],
      ['cone · method.theta=30', 'nc1', '-0.25', '[-0.374, -0.126]', '3/3', 'lower'],
    ]);
    expect(table.caption).toMatch(/95% t interval/);
  });

  it('are left out without the baseline among the rows', () => {
    expect(differencesTable(rows, groupsOf(rows).groups, null)).toBeNull();
    expect(differencesTable(rows, groupsOf(rows).groups, 'etf-ce')).toBeNull();
  });

  it('are a section of report.html, taken to ce by default and to --baseline when given', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cone-diff-')), 'suite');
    writeFixtureSuite(dir);
    const html = fs.readFileSync(await writeReport(dir), 'utf8');
    expect(html).toMatch(/<h2>Differences to the baseline<\/h2><table><caption>Paired differences to ce/);
    const other = fs.readFileSync(await writeReport(dir, 'cone'), 'utf8');
    expect(other).toMatch(/Paired differences to cone/);
    expect(fs.readFileSync(await writeReport(dir, null), 'utf8')).not.toMatch(/Differences to the baseline/);
    const unknown = fs.readFileSync(await writeReport(dir, 'etf-ce'), 'utf8');
    expect(unknown).not.toMatch(/Differences to the baseline/);
    expect(unknown).toMatch(/<li>paired differences: summary.csv has no cells of the baseline etf-ce<\/li>/);
  });
});
