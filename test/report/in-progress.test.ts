import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv, writeCsv } from '../../src/io/csv.js';
import { newManifest, writeManifest } from '../../src/io/manifest.js';
import { collapseSection } from '../../src/report/charts/collapse.js';
import { groupsOf } from '../../src/report/groups.js';
import { writeReport } from '../../src/report/index.js';
import { readSuite } from '../../src/report/read-suite.js';
import { runIdOf, SUMMARY_COLUMNS, writeFixtureSuite } from './fixture.js';

/** The fixture suite with one pretrain run not in summary.csv yet: running, after `epochs` epochs. */
function midSuite(epochs: number, withSummary = true): { dir: string; runId: string } {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cone-midsuite-')), 'suite');
  writeFixtureSuite(dir);
  const runId = runIdOf('pretrain', 'cone', 1);
  const summary = path.join(dir, 'summary.csv');
  if (withSummary)
    writeCsv(
      summary,
      readCsv(summary).filter((r) => r.run_id !== runId),
      SUMMARY_COLUMNS,
    );
  else fs.rmSync(summary);
  const runDir = path.join(dir, 'runs', runId);
  writeManifest(runDir, newManifest({ run_id: runId, kind: 'pretrain', spec_hash: 'bbbb1111', seed: 1 }));
  for (const file of ['metrics.csv', 'trajectory.csv']) {
    const rows = readCsv(path.join(runDir, file)).filter((r) => Number(r.epoch) <= epochs);
    writeCsv(path.join(runDir, file), rows, Object.keys(rows[0]));
  }
  fs.rmSync(path.join(runDir, 'angles.csv'));
  return { dir, runId };
}

describe('cone report while a suite runs', () => {
  it("shows a run not in summary.csv yet with its epochs so far, in its method's group", async () => {
    const { dir, runId } = midSuite(2);
    const suite = readSuite(dir);
    const run = suite.runs.find((r) => r.runId === runId)!;
    expect(run.unfinished).toBe('running');
    expect(run.epochs).toHaveLength(2);
    expect(suite.runs.filter((r) => r.unfinished === null)).toHaveLength(7);
    const { groups, groupOf } = groupsOf([...suite.rows, ...suite.runs.map((r) => r.cell)]);
    expect(groups.map((g) => g.label)).toEqual(['ce', 'cone']);
    expect(groupOf(run.cell).label).toBe('cone');
    // The collapse scatter counts its 2 tracked epochs with cone's 3 of the finished seed.
    const scatter = collapseSection(suite.runs, (r) => groupOf(r.cell)).charts.find(
      (c) => c.id === 'collapse-scatter-0',
    )!;
    expect(scatter.config.data.datasets.map((d) => d.label)).toEqual([
      expect.stringMatching(/^ce \(ρ = .*, n = 6\)$/),
      expect.stringMatching(/^cone \(ρ = .*, n = 5\)$/),
    ]);
    const html = fs.readFileSync(await writeReport(dir), 'utf8');
    expect(html).toContain('7 finished runs and 1 in progress');
    expect(html).toContain(`<code>${runId}</code>: running, 2 epoch(s) so far`);
  });

  it('works before any cell finished (no summary.csv yet), and says when there is nothing at all', async () => {
    const { dir } = midSuite(1, false);
    // Every other fixture run lacks a manifest, as a folder of no cone run would: only the running one shows.
    const suite = readSuite(dir);
    expect(suite.runs.map((r) => r.unfinished)).toEqual(['running']);
    expect(fs.readFileSync(await writeReport(dir), 'utf8')).toContain('0 finished runs and 1 in progress');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-empty-'));
    expect(() => readSuite(empty)).toThrow(/no summary\.csv here/);
  });
});
