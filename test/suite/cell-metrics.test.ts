import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBE_NAMES, PROBE_ROWS } from '../../src/eval/probes/registry.js';
import { resolveSpec } from '../../src/config/load.js';
import { specSchema } from '../../src/config/schema.js';
import { cellMetrics } from '../../src/suite/cell-metrics.js';
import { writeCsv } from '../../src/io/csv.js';
import { GEOMETRY_COLUMNS } from '../../src/eval/geometry.js';
import { GEOMETRY_FILE_COLUMNS } from '../../src/pipelines/probe-run.js';
import { METRICS_COLUMNS } from '../../src/train/trainer.js';
import type { Cell } from '../../src/suite/expand.js';
import { HEADLINE_METRICS } from '../../src/suite/summary.js';

/** A finished one-epoch cell of `probes` whose metrics.csv and geometry.csv are valid and whose probe.csv is `csv`. */
function cellWithProbeCsv(csv: string, probes: string[]): Cell {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-cell-metrics-'));
  const spec = resolveSpec({ epochs: 1, probe: { probes } }, 'test');
  writeCsv(
    path.join(runDir, 'metrics.csv'),
    [{ epoch: 1, lr: 0.1, train_loss: 1, train_accuracy: 0.5, seconds: 1, images_per_s: 1 }],
    METRICS_COLUMNS,
  );
  const geometry = ['train', 'test'].flatMap((split) =>
    ['coarse', 'fine'].flatMap((level) =>
      ['raw', 'l2'].map((features) => ({
        split,
        level,
        features,
        ...Object.fromEntries(GEOMETRY_COLUMNS.slice(1).map((c) => [c, 'NaN'])),
      })),
    ),
  );
  writeCsv(path.join(runDir, 'geometry.csv'), geometry, GEOMETRY_FILE_COLUMNS);
  fs.writeFileSync(path.join(runDir, 'probe.csv'), csv);
  return { index: 0, spec, runId: 'r', runDir, overrides: {} };
}

const probeMetrics = (m: Record<string, number>) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => /^(fine|coarse)\.(?!accuracy)/.test(k)));
const ids = 'run_id,dataset,method,seed';

describe('probe metrics of a cell', () => {
  it('names each probe.csv row <level>.<row> with - as _', () => {
    const cell = cellWithProbeCsv(
      `${ids},probe,level,accuracy,C,C_selection\nr,d,m,0,linear,fine,0.8,10,val-split\nr,d,m,0,linear-std,fine,0.7,0.1,val-split\nr,d,m,0,linear-fixed,fine,0.6,1,fixed\nr,d,m,0,knn,fine,0.55,,\nr,d,m,0,knn-weighted,fine,0.5,,\n`,
      ['linear', 'linear-std', 'linear-fixed', 'knn'],
    );
    expect(probeMetrics(cellMetrics(cell, 'transfer'))).toEqual({
      'fine.knn': 0.55,
      'fine.linear': 0.8,
      'fine.linear_std': 0.7,
      'fine.linear_fixed': 0.6,
      'fine.knn_weighted': 0.5,
    });
  });

  it('reads the linear row of a probe.csv from before C was chosen (no C_selection) as linear_fixed', () => {
    const csv = `${ids},probe,level,accuracy,C\nr,d,m,0,linear,fine,0.8,1\nr,d,m,0,knn,fine,0.7,\nr,d,m,0,knn-weighted,fine,0.6,\n`;
    expect(probeMetrics(cellMetrics(cellWithProbeCsv(csv, ['linear-fixed', 'knn']), 'transfer'))).toEqual({
      'fine.linear_fixed': 0.8,
      'fine.knn': 0.7,
      'fine.knn_weighted': 0.6,
    });
    // ... so it does not hold the tuned linear probe a spec asks for: the cell is probed again.
    expect(() => cellMetrics(cellWithProbeCsv(csv, ['linear', 'knn']), 'transfer')).toThrow(
      /probe\.csv: no row for linear at fine$/,
    );
  });

  it('takes the probe names from the registry: the spec accepts them and the summary lists every row', () => {
    expect(specSchema.properties.probe.properties.probes.items.enum).toEqual(PROBE_NAMES);
    for (const row of PROBE_ROWS) expect(HEADLINE_METRICS).toContain(`fine.${row.replace(/-/g, '_')}`);
  });
});
