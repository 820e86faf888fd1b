import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { extractFeatures } from '../../src/pipelines/extract.js';
import { outsideConeWarning, probeFeatures } from '../../src/pipelines/probe-run.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { SILENT, type Reporter } from '../../src/reporter.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-probe-run-'));

/** Pretrain, extract and probe one tiny run; what the probe step warned. */
async function probeRun(changes: Record<string, unknown>) {
  const spec = resolveSpec(tinySpec({ output: root, backend: 'wasm', epochs: 1, ...changes }), 'tiny.yaml');
  const run = await pretrain(spec);
  const features = await extractFeatures(run.runDir, { split: 'both' });
  const warnings: string[] = [];
  const reporter: Reporter = { ...SILENT, warn: (m) => warnings.push(m) };
  const report = await probeFeatures(features, spec.probe, undefined, reporter);
  return { report, warnings };
}

describe('a cone run whose features never enter the cone', () => {
  beforeAll(() => initBackend({ backend: 'wasm' }));

  it('gets one warning line after probing, naming the run, θ and in_cone_frac', async () => {
    // A 5° cone and a learning rate that barely moves the network: no feature gets that close to its direction.
    const { report, warnings } = await probeRun({ method: { name: 'cone', theta: 5 }, optimizer: { lr: 1e-6 } });
    const train = report.geometry.find((g) => g.split === 'train' && g.level === 'coarse' && g.features === 'l2');
    expect(train?.in_cone_frac).toBe(0);
    expect(warnings).toEqual([
      `${report.meta.run_id}: no training feature lies inside its cone (in_cone_frac 0% at θ = 5°); train longer, or with a larger method.theta or optimizer.lr`,
    ]);
    // The same run with some of its features inside the cone is not warned about.
    const inside = report.geometry.map((g) => (g === train ? { ...g, in_cone_frac: 0.25 } : g));
    expect(outsideConeWarning({ meta: report.meta, geometry: inside })).toBeNull();
  });

  it('is not said of a method without a cone', async () => {
    const { report, warnings } = await probeRun({ method: { name: 'ce' } });
    expect(report.meta.theta).toBeNull();
    expect(warnings).toEqual([]);
  });
});
