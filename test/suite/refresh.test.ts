import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/io/csv.js';
import { SILENT, type Reporter } from '../../src/reporter.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/suite/run-suite.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-refresh-'));
const file = path.join(dir, 'live.yaml');
const { method: _method, ...cellSpec } = tinySpec({ epochs: 2, backend: 'wasm', probe: { probes: ['knn'] } });
fs.writeFileSync(file, YAML.stringify({ name: 'live', spec: cellSpec, grid: { 'method.name': ['ce', 'cone'] } }));

describe('a suite while it runs', () => {
  it('has summary.csv, summary.md and report.html of the finished cells before the next cell starts', async () => {
    const out = path.join(dir, 'results');
    const suiteDir = path.join(out, 'live');
    const seen: { methods: string[]; md: string; report: boolean }[] = [];
    const reporter: Reporter = {
      ...SILENT,
      info: (m) => {
        if (!/^\[\d\/2\]/.test(m)) return;
        const csv = path.join(suiteDir, 'summary.csv');
        seen.push({
          methods: fs.existsSync(csv) ? [...new Set(readCsv(csv).map((r) => r.method))] : ['no summary.csv'],
          md: fs.readFileSync(path.join(suiteDir, 'summary.md'), 'utf8'),
          report: fs.existsSync(path.join(suiteDir, 'report.html')),
        });
      },
    };
    const outcome = await runSuite(loadSuite(file), {
      outputRoot: out,
      jobs: 1,
      dryRun: false,
      command: 'test',
      reporter,
    });
    expect(outcome.failed).toEqual([]);
    expect(seen.map((s) => s.methods)).toEqual([[], ['ce']]);
    expect(seen.map((s) => s.report)).toEqual([false, true]);
    expect(seen[1].md).toContain('**In progress**: 1 of 2 cells done');
    const final = fs.readFileSync(path.join(suiteDir, 'summary.md'), 'utf8');
    expect(final).not.toContain('In progress');
  });
});
