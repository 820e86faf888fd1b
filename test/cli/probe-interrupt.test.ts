import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import type { FeaturesMeta } from '../../src/pipelines/extract.js';
import { Rng } from '../../src/util/rng.js';
import { ROOT } from '../helpers/cli.js';
import { gaussianClusters } from '../eval/helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-probe-sigint-'));
const COARSE = 8;
const FINE_PER_COARSE = 5;
const D = 128;

/**
 * A features folder on which the tuned linear probe takes minutes: 40 overlapping classes of 50000
 * rows, so its C grid needs many L-BFGS iterations per C.
 */
function slowFeatures(): string {
  const features = path.join(dir, 'features');
  fs.mkdirSync(features);
  const K = COARSE * FINE_PER_COARSE;
  const rng = new Rng('probe-sigint');
  for (const [split, n] of [
    ['train', 50_000],
    ['test', 2_000],
  ] as const) {
    const { features: x, labels } = gaussianClusters(n, K, D, 1.5, rng);
    writeNpy(path.join(features, `${split}.npy`), x.data, [n, D]);
    writeNpy(path.join(features, `${split}.fine.npy`), labels, [n]);
    writeNpy(
      path.join(features, `${split}.coarse.npy`),
      Int32Array.from(labels, (y) => Math.floor(y / FINE_PER_COARSE)),
      [n],
    );
  }
  const classifier = new Float32Array(COARSE * D);
  for (let k = 0; k < COARSE; k++) classifier[k * D + k] = 1;
  writeNpy(path.join(features, 'classifier.npy'), classifier, [COARSE, D]);
  const meta: FeaturesMeta = {
    run_id: 'synthetic-ce-s0-00000000',
    dataset: 'synthetic',
    hierarchy: 'synthetic',
    trained_on: 'coarse',
    train_level: 'coarse',
    method: 'ce',
    seed: 0,
    theta: null,
    network: 'mlp',
    d: D,
    splits: { train: { n: 50_000 }, test: { n: 2_000 } },
    fine_names: Array.from({ length: K }, (_, i) => `f${i}`),
    coarse_names: Array.from({ length: COARSE }, (_, i) => `c${i}`),
    fine_to_coarse: Array.from({ length: K }, (_, i) => Math.floor(i / FINE_PER_COARSE)),
    classifier: 'linear',
    backend: 'wasm',
  };
  fs.writeFileSync(path.join(features, 'meta.json'), JSON.stringify(meta));
  return features;
}

/** Start `cone probe`, send `signal` once it says it is probing, and time how long it takes to exit after it. */
function interruptWhileProbing(
  features: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string; secondsToExit: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // --verbose: it then says when it starts probing.
      [
        path.join(ROOT, 'bin/cone.js'),
        'probe',
        '--features',
        features,
        '--probe',
        'linear',
        '--backend',
        'wasm',
        '--verbose',
      ],
      { cwd: ROOT },
    );
    let stderr = '';
    let sentAt = 0;
    let armed = false;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!armed && /probing/.test(stderr)) {
        armed = true;
        // Well into the fit (it takes minutes), yet long before its end.
        setTimeout(() => {
          sentAt = performance.now();
          child.kill(signal);
        }, 2000);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, secondsToExit: (performance.now() - sentAt) / 1000 }));
  });
}

describe('Ctrl-C during cone probe', () => {
  const features = slowFeatures();

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: stops within moments, exits 130, writes nothing`, async () => {
      const r = await interruptWhileProbing(features, signal);
      console.info(`${signal}: exited ${r.secondsToExit.toFixed(1)} s after it`);
      expect(r.code, r.stderr).toBe(130);
      // It checks for a stop at every L-BFGS evaluation and yields every 0.1 s: about a second on an idle
      // machine; the bound leaves room for a loaded one (the uninterrupted probe takes minutes there).
      expect(r.secondsToExit).toBeLessThan(20);
      expect(r.stderr).toMatch(
        new RegExp(
          `cone: ${features}: interrupted \\(${signal}\\) before its probe.csv, geometry.csv and angles.csv were written`,
        ),
      );
      expect(fs.readdirSync(path.dirname(features)).filter((f) => f.endsWith('.csv'))).toEqual([]);
    }, 120_000);
  }
});
