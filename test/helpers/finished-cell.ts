import path from 'node:path';
import { runId } from '../../src/config/hash.js';
import { resolveSpec } from '../../src/config/load.js';
import type { Cell } from '../../src/suite/expand.js';
import { runCell } from '../../src/suite/run-suite.js';
import type { Suite } from '../../src/suite/schema.js';
import { SILENT } from '../../src/reporter.js';
import { tinySpec } from './tiny-spec.js';

/** A transfer cell of tinySpec(changes) under `root`, run through its whole pipeline in this process (cpu backend). */
export async function finishedTransferCell(root: string, changes: Record<string, unknown> = {}): Promise<Cell> {
  const spec = resolveSpec({ ...tinySpec({ backend: 'cpu', epochs: 1, ...changes }), output: root }, 'tiny spec');
  const id = runId(spec, 'pretrain');
  const cell: Cell = { index: 1, spec, runId: id, runDir: path.join(root, id), overrides: {} };
  await runCell(cell, { pipeline: 'transfer' } as Suite, SILENT);
  return cell;
}
