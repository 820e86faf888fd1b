import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSplitCache } from '../../src/data/split-cache.js';
import { ROOT } from '../helpers/cli.js';

/*
 * bench/gpu-check.sh's own steps that need no GPU (it installs nothing unless --install, and says
 * what to run when the checkout is not installed) and bench/epoch.mjs, its epoch of ResNet-20 on
 * CIFAR-10's shape: on the cached data when it is there, else on random images (both on wasm here;
 * the check itself runs it on webgpu). The whole check runs for minutes on SwiftShader: it is
 * tried by hand (docs/performance.md, "GPU check").
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-gpu-check-'));

/** A checkout holding only the script (and `node_modules` when given), with an npm that records its arguments. */
function checkout(name: string, nodeModules: boolean): { root: string; env: Record<string, string>; npmCalls: string } {
  const root = path.join(dir, name);
  fs.mkdirSync(path.join(root, 'bench'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bench/gpu-check.sh'), path.join(root, 'bench/gpu-check.sh'));
  if (nodeModules) fs.mkdirSync(path.join(root, 'node_modules', 'yaml'), { recursive: true });
  const bin = path.join(root, 'fake-bin');
  const npmCalls = path.join(root, 'npm-calls');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "$*" >>'${npmCalls}'\necho 10.0.0\n`, { mode: 0o755 });
  return { root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } as Record<string, string>, npmCalls };
}

function gpuCheck(root: string, args: string[], env: Record<string, string>) {
  return spawnSync('bash', [path.join(root, 'bench/gpu-check.sh'), ...args], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

/** `node bench/epoch.mjs ...`: its exit code, the JSON it printed, and its stderr. */
function epoch(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; result: Record<string, unknown> | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/epoch.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop();
      resolve({ code, result: last ? JSON.parse(last) : null, stderr });
    });
  });
}

describe('bench/gpu-check.sh needs no network', () => {
  it('without node_modules it stops at once, saying to run npm ci first, and never runs it', () => {
    const { root, env, npmCalls } = checkout('bare', false);
    const out = path.join(dir, 'bare-out');
    const r = gpuCheck(root, [out], env);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `gpu-check: FAILED: ${root}/node_modules not found: run \`npm ci\` in the checkout first (or pass --install`,
    );
    expect(fs.readFileSync(npmCalls, 'utf8').trim().split('\n')).toEqual(['--version']);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'gpu-check.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'failed', failure: expect.stringContaining('node_modules not found') });
  });

  it('names the webgpu packages node_modules lacks', () => {
    const { root, env, npmCalls } = checkout('partial', true);
    const r = gpuCheck(root, [path.join(dir, 'partial-out')], env);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `FAILED: webgpu and @tensorflow/tfjs-backend-webgpu not installed in ${root}/node_modules: run \`npm ci\``,
    );
    expect(fs.readFileSync(npmCalls, 'utf8')).not.toContain('ci');
  });

  it('runs npm ci only with --install', () => {
    const { root, env, npmCalls } = checkout('install', false);
    const r = gpuCheck(root, [path.join(dir, 'install-out'), '--install'], env);
    // The fake npm "installs" nothing, so the check still stops at the missing node_modules.
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('npm ci (installs and builds');
    expect(fs.readFileSync(npmCalls, 'utf8').trim().split('\n')).toEqual(['--version', 'ci']);
  });

  it('refuses an unknown option with the usage', () => {
    const r = gpuCheck(ROOT, [path.join(dir, 'x'), '--bogus'], process.env as Record<string, string>);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: bench/gpu-check.sh <out-folder> [--allow-software] [--quick] [--install]');
  });
});

describe('bench/epoch.mjs', { timeout: 900_000 }, () => {
  it('times an epoch on the cached CIFAR-10 when it is there, and says so', async () => {
    // A cache file of the real format, 20 training and 10 test images, stands in for the 50,000.
    const cache = path.join(dir, 'cache');
    fs.mkdirSync(cache);
    const split = (n: number) => ({
      images: Uint8Array.from({ length: n * 32 * 32 * 3 }, (_, i) => (i * 37) % 256),
      labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    });
    writeSplitCache(path.join(cache, 'cifar10.bin'), {
      shape: [32, 32, 3],
      numClasses: 10,
      train: split(20),
      test: split(10),
    });
    const r = await epoch(['--out', path.join(dir, 'cached'), '--backend', 'wasm', '--batch', '10'], {
      CONE_CACHE_DIR: cache,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({
      dataset: 'cifar10',
      data: path.join(cache, 'cifar10.bin'),
      model: 'resnet20',
      backend: 'wasm',
      batch: 10,
      images: 20,
      test_images: 10,
    });
    expect(r.result!.epoch_seconds).toBeGreaterThan(0);
    expect(r.result!.wall_seconds).toBeGreaterThan(r.result!.epoch_seconds as number);
  });

  it('refuses fewer images than classes in one line', async () => {
    const r = await epoch(['--out', path.join(dir, 'few'), '--images', '5'], {});
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'epoch: --images and --test-images must be at least 10, one image of each class',
    );
  });

  // On wasm: the random-image path does not depend on the backend, and resnet20's training kernels
  // are compared on webgpu by the backend tests (an epoch on SwiftShader costs two minutes here).
  it('without the cache it trains on random images of 32x32x3, says so, and removes them', async () => {
    const empty = path.join(dir, 'empty-cache');
    fs.mkdirSync(empty);
    const out = path.join(dir, 'random');
    const r = await epoch(
      ['--out', out, '--backend', 'wasm', '--batch', '10', '--images', '10', '--test-images', '10'],
      { CONE_CACHE_DIR: empty },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({
      dataset: 'synthetic',
      backend: 'wasm',
      batch: 10,
      images: 10,
      test_images: 10,
    });
    expect(r.result!.images_per_s).toBeGreaterThan(0);
    expect(fs.readdirSync(out)).toEqual(['runs']);
    const manifest = JSON.parse(fs.readFileSync(path.join(r.result!.run_dir as string, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ backend: 'wasm' });
  });
});
