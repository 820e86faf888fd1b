import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { acquireLock } from '../../src/io/run-lock.js';
import YAML from 'yaml';
import { cone } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-run-'));
const out = path.join(dir, 'results');
const suite = path.join(dir, 'tiny.yaml');
const { method: _method, ...cellSpec } = tinySpec({ probe: { probes: ['linear', 'knn', 'ncc'] } });
fs.writeFileSync(
  suite,
  YAML.stringify({
    name: 'tiny',
    spec: cellSpec,
    grid: { 'method.name': ['ce', 'cone'], seed: [0, 1] },
    expectations: [
      'coarse.accuracy(*) > 50',
      // Impossible on purpose, so that the exit code for a failed expectation is exercised.
      { check: 'fine.linear(cone) > 200' },
    ],
  }),
);

describe('cone run', () => {
  it('runs every cell, writes the summary and the report, and exits 3 on a failed expectation', () => {
    const r = cone(['run', suite, '--out', out, '--backend', 'wasm'], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/PASS coarse\.accuracy\(\*\) > 50 \[synthetic, ce\]: \d+\.\d\d% vs 50\.00%/);
    expect(r.stdout).toMatch(/FAIL fine\.linear\(cone\) > 200 \[synthetic\]/);
    const rows = readCsv(path.join(out, 'tiny', 'summary.csv'));
    expect(new Set(rows.map((row) => row.run_id)).size).toBe(4);
    expect(rows.some((row) => row.metric === 'fine.linear' && Number(row.value) > 0.3)).toBe(true);
    expect(Object.keys(rows[0])).toEqual([
      'suite',
      'cell',
      'pipeline',
      'dataset',
      'method',
      'seed',
      'overrides',
      'run_id',
      'metric',
      'value',
    ]);
    const md = fs.readFileSync(path.join(out, 'tiny', 'summary.md'), 'utf8');
    expect(md).toMatch(/Paired differences to ce \(same seed\): mean \[95% t interval over seeds\]/);
    // The terminal gives the differences with their intervals, and words them by the interval.
    expect(r.stdout).toMatch(/paired differences to ce: mean \[95% t interval over seeds\]/);
    expect(r.stdout).toMatch(/^cone − ce: (higher|lower|no clear difference \(interval contains 0\)): /m);
    expect(fs.existsSync(path.join(out, 'tiny', 'report.html'))).toBe(true);
  });

  it('skips finished cells when run again, and --dry-run says what is done', () => {
    const dry = cone(['run', suite, '--out', out, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/4 cells, 4 done, 0 to run/);
    const again = cone(['run', suite, '--out', out, '--backend', 'wasm']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/4 cells, 4 already done, 0 to run/);
  });

  it('refuses to write a suite folder another cone run holds', async () => {
    const folder = path.join(out, 'tiny');
    const release = await acquireLock(folder, 'suite folder');
    try {
      const r = cone(['run', suite, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(
        new RegExp(`tiny: locked by pid ${process.pid} on .* since .*; one cone process per suite folder at a time`),
      );
    } finally {
      await release();
    }
  });
});
