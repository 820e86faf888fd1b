import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBE_NAMES, PROBE_ROWS } from '../../src/eval/probes/registry.js';
import { resolveSpec } from '../../src/config/load.js';
import { specSchema } from '../../src/config/schema.js';
import { cellMetrics } from '../../src/suite/cell-metrics.js';
import type { Cell } from '../../src/suite/expand.js';
import { HEADLINE_METRICS } from '../../src/suite/summary.js';

function cellWithProbeCsv(csv: string): Cell {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-cell-metrics-'));
  fs.writeFileSync(path.join(runDir, 'probe.csv'), csv);
  return { index: 0, spec: resolveSpec({}, 'test'), runId: 'r', runDir, overrides: {} };
}

describe('probe metrics of a cell', () => {
  it('names each probe.csv row <level>.<row> with - as _', () => {
    const cell = cellWithProbeCsv(
      'probe,level,accuracy,C,C_selection\nlinear,fine,0.8,10,val-split\nlinear-std,fine,0.7,0.1,val-split\nlinear-fixed,fine,0.6,1,fixed\nknn-weighted,fine,0.5,,\n',
    );
    expect(cellMetrics(cell, 'transfer')).toEqual({
      'fine.linear': 0.8,
      'fine.linear_std': 0.7,
      'fine.linear_fixed': 0.6,
      'fine.knn_weighted': 0.5,
    });
  });

  it('reads the linear row of a probe.csv from before C was chosen (no C_selection) as linear_fixed', () => {
    const cell = cellWithProbeCsv('probe,level,accuracy,C\nlinear,fine,0.8,1\nknn,fine,0.7,\n');
    expect(cellMetrics(cell, 'transfer')).toEqual({ 'fine.linear_fixed': 0.8, 'fine.knn': 0.7 });
  });

  it('takes the probe names from the registry: the spec accepts them and the summary lists every row', () => {
    expect(specSchema.properties.probe.properties.probes.items.enum).toEqual(PROBE_NAMES);
    for (const row of PROBE_ROWS) expect(HEADLINE_METRICS).toContain(`fine.${row.replace(/-/g, '_')}`);
  });
});
