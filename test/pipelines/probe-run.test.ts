import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { InterruptedError } from '../../src/errors.js';
import type { ProbeName } from '../../src/eval/probes/registry.js';
import { extractFeatures } from '../../src/pipelines/extract.js';
import { outsideConeWarning, probeFeatures, runProbes, type SplitFeatures } from '../../src/pipelines/probe-run.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import { SILENT, type Reporter } from '../../src/reporter.js';
import { Rng } from '../../src/util/rng.js';
import { gaussianClusters } from '../eval/helpers.js';
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

describe('a stop request during the probes (issue 20 item 9: SIGINT/SIGTERM in cone probe and a suite cell)', () => {
  const rng = new Rng('probe-stop');
  const split = (n: number): SplitFeatures => {
    const { features, labels } = gaussianClusters(n, 4, 8, 3, rng);
    return { features, fine: labels, coarse: Int32Array.from(labels, (y) => y >> 1) };
  };
  const train = split(80);
  const test = split(40);
  const settings = { level: 'fine', C: 1, normalise: true, k: 5 } as const;
  const probe = (name: ProbeName, signal: AbortSignal) =>
    runProbes(train, test, { fine: 4, coarse: 2 }, 0, { ...settings, probes: [name] }, signal);

  it('stops every probe that iterates at its own interruption point (L-BFGS, kNN batch, k-means class)', async () => {
    // Aborted before the probe starts: runProbes has no check of its own, so the probe's first one throws.
    const stop = new AbortController();
    stop.abort('SIGINT');
    for (const name of ['linear', 'linear-std', 'linear-fixed', 'knn', 'kmeans'] as const)
      await expect(probe(name, stop.signal), name).rejects.toThrow(new InterruptedError('interrupted (SIGINT)'));
    // ncc is one pass over the features (class means, then nearest): it has no point to stop at.
    await expect(probe('ncc', stop.signal)).resolves.toHaveLength(1);
    // Not aborted: the same probes finish.
    for (const name of ['linear-fixed', 'knn', 'kmeans'] as const)
      expect((await probe(name, new AbortController().signal)).length, name).toBeGreaterThan(0);
  });
});
