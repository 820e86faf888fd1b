import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { loadSuite } from '../../src/suite/load.js';
import { runSuite } from '../../src/suite/run-suite.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-nodata-'));
const nowhere = path.join(dir, 'nowhere');
const file = path.join(dir, 'nodata.yaml');
const { method: _method, ...cellSpec } = tinySpec({ dataset: { name: 'fashion-mnist', path: nowhere, subset: 100 } });
delete (cellSpec.dataset as Record<string, unknown>).synthetic;
fs.writeFileSync(
  file,
  YAML.stringify({
    name: 'nodata',
    spec: cellSpec,
    grid: { 'method.name': ['ce', 'etf-ce', 'cone'], seed: [0, 1, 2] },
  }),
);

async function failure(dryRun: boolean): Promise<RunError> {
  const out = path.join(dir, dryRun ? 'dry' : 'run');
  const e = await runSuite(loadSuite(file), { outputRoot: out, jobs: 1, dryRun, command: 'test' }).catch((x) => x);
  expect(e).toBeInstanceOf(RunError);
  // Nothing ran: no run folder of any cell was made.
  expect(fs.existsSync(path.join(out, 'nodata', 'runs'))).toBe(false);
  return e as RunError;
}

describe('a suite whose dataset is missing', () => {
  it('fails when loaded, also under --dry-run: one line naming the file and the package, exit 1', async () => {
    for (const dryRun of [true, false]) {
      const e = await failure(dryRun);
      expect(e.exitCode).toBe(1);
      expect(e.message.split('\n')).toHaveLength(1);
      expect(e.message).toBe(
        `${file}: fashion-mnist: ${path.join(nowhere, 'train-images-idx3-ubyte')}[.gz] not found; apt-get install dataset-fashion-mnist, or give a folder with the four IDX files as path`,
      );
    }
  });
});
