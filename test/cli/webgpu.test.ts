import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeAdapter } from '../../src/backend/webgpu.js';
import { readCsv } from '../../src/io/csv.js';
import { coneAsync } from '../helpers/cli.js';
import { writeTinySpec } from '../helpers/tiny-spec.js';
import { missingWebgpu } from '../helpers/webgpu.js';

/**
 * `cone` with --backend webgpu (SwiftShader in CI) against the same runs on wasm: final train and
 * test losses within a relative tolerance, accuracies within one sample. The mlp's losses agree to
 * ~1e-7 (tolerance 1e-4). cnn28's on these 20 images agree to ~1e-5, but its first steps at the
 * default learning rate can magnify rounding: on 40 images wasm and the cpu backend differ by 1e-3
 * (train loss) to 4e-3 (test loss), webgpu and cpu by 1e-3. So its tolerance is 1e-2; a wrong
 * kernel moves the losses far more.
 */
const MLP_TOLERANCE = 1e-4;
const CNN_TOLERANCE = 1e-2;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-webgpu-'));

/** Trains `spec` on `backend`; returns the run folder, its last metrics row and what cone said on stderr. */
async function pretrain(
  spec: string,
  backend: string,
): Promise<{ runDir: string; last: Record<string, string>; stderr: string }> {
  const r = await coneAsync(['pretrain', '--config', spec, '--backend', backend, '--out', path.join(dir, backend)], {
    timeoutMs: 600_000,
  });
  expect(r.code, r.stderr).toBe(0);
  const runDir = r.stdout.trim().split('\n').pop()!;
  const metrics = readCsv(path.join(runDir, 'metrics.csv'));
  return { runDir, last: metrics[metrics.length - 1], stderr: r.stderr };
}

/** The lines that warn of a software adapter. */
function softwareWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^warning: webgpu: .* is a software renderer on the CPU/.test(l));
}

function expectAgreement(
  gpu: Record<string, string>,
  wasm: Record<string, string>,
  n: { train: number; test: number },
  tolerance: number,
) {
  for (const column of ['train_loss', 'test_loss']) {
    const [a, b] = [Number(gpu[column]), Number(wasm[column])];
    expect(Math.abs(a - b), `${column}: webgpu ${a}, wasm ${b}`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(b)),
    );
  }
  expect(Math.abs(Number(gpu.train_accuracy) - Number(wasm.train_accuracy))).toBeLessThanOrEqual(1 / n.train + 1e-12);
  expect(Math.abs(Number(gpu.test_accuracy) - Number(wasm.test_accuracy))).toBeLessThanOrEqual(1 / n.test + 1e-12);
}

describe.skipIf(missingWebgpu())('cone with --backend webgpu', { timeout: 900_000 }, () => {
  it('pretrain → extract → probe an mlp on synthetic data, agreeing with wasm', async () => {
    const spec = writeTinySpec(dir, { dataset: { synthetic: { train_per_fine: 16, test_per_fine: 8 } }, epochs: 2 });
    const [gpu, wasm] = await Promise.all([pretrain(spec, 'webgpu'), pretrain(spec, 'wasm')]);
    // 6 classes × 16, batch 32: 3 whole batches an epoch; 48 test samples.
    expectAgreement(gpu.last, wasm.last, { train: 96, test: 48 }, MLP_TOLERANCE);
    const manifest = JSON.parse(fs.readFileSync(path.join(gpu.runDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ backend: 'webgpu', adapter: { vendor: expect.any(String) } });
    expect(manifest.adapter.description).not.toBe('');
    // The log records the same adapter, in the backend entry it opens with.
    const log = fs
      .readFileSync(path.join(gpu.runDir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(log.find((entry) => entry.msg === 'backend')?.backend.adapter).toMatchObject(manifest.adapter);
    const adapter = await probeAdapter();
    expect(softwareWarnings(gpu.stderr)).toHaveLength('software' in adapter && adapter.software ? 1 : 0);

    const extracted = await coneAsync(['extract', '--run', gpu.runDir, '--backend', 'webgpu', '--quiet'], {
      timeoutMs: 600_000,
    });
    expect(extracted.code, extracted.stderr).toBe(0);
    const probed = await coneAsync(
      ['probe', '--features', path.join(gpu.runDir, 'features'), '--backend', 'webgpu', '--probe', 'knn', 'ncc'],
      { timeoutMs: 600_000 },
    );
    expect(probed.code, probed.stderr).toBe(0);
    const probes = readCsv(path.join(gpu.runDir, 'probe.csv'));
    expect(probes.map((p) => p.probe)).toEqual(['knn', 'knn-weighted', 'ncc']);
    for (const p of probes) expect(Number(p.accuracy)).toBeGreaterThan(0);
  });

  it('pretrains cnn28 on a few dozen MNIST images, agreeing with wasm', async () => {
    const spec = writeTinySpec(
      dir,
      {
        dataset: { name: 'mnist', subset: 20, test_subset: 10 },
        model: { name: 'cnn28', feature_dim: 16 },
        epochs: 1,
        batch_size: 10,
      },
      'mnist.yaml',
    );
    const [gpu, wasm] = await Promise.all([pretrain(spec, 'webgpu'), pretrain(spec, 'wasm')]);
    expectAgreement(gpu.last, wasm.last, { train: 20, test: 10 }, CNN_TOLERANCE);
  });

  it('says in one line that Dawn found no adapter without a Vulkan driver, and how to get one', async () => {
    const r = await coneAsync(
      ['pretrain', '--config', writeTinySpec(dir, {}, 'no-driver.yaml'), '--backend', 'webgpu', '--out', dir],
      { env: { VK_ICD_FILENAMES: path.join(dir, 'no-such-driver.json') }, timeoutMs: 120_000 },
    );
    expect(r.code).toBe(1);
    // Above it, the Vulkan loader and Dawn print their own warnings (docs/performance.md, known limits).
    expect(r.stderr.split('\n').filter((line) => line.startsWith('cone:'))).toEqual([
      "cone: backend 'webgpu' is not available: Dawn found no WebGPU adapter: install the GPU's Vulkan driver" +
        " (NVIDIA's, or Mesa's for AMD/Intel), or point VK_ICD_FILENAMES at one; or use --backend wasm",
    ]);
  });

  it('bench runs on webgpu and warns of a software adapter in the line pretrain prints', async () => {
    const args = ['bench', '--backend', 'webgpu', '--model', 'mlp', '--batch', '8', '--steps', '2', '--warmup', '1'];
    const [bench, run] = await Promise.all([
      coneAsync([...args, '--json'], { timeoutMs: 600_000 }),
      pretrain(writeTinySpec(dir, { epochs: 1 }, 'bench-peer.yaml'), 'webgpu'),
    ]);
    expect(bench.code, bench.stderr).toBe(0);
    const result = JSON.parse(bench.stdout.trim().split('\n').pop()!);
    expect(result).toMatchObject({ backend: 'webgpu', model: 'mlp', tensor_growth: 0 });
    expect(result.train_images_per_s).toBeGreaterThan(0);
    const adapter = await probeAdapter();
    const expected = 'software' in adapter && adapter.software ? 1 : 0;
    expect(softwareWarnings(bench.stderr)).toHaveLength(expected);
    expect(softwareWarnings(bench.stderr)).toEqual(softwareWarnings(run.stderr));
  });
});
