import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RunError, UsageError } from '../../src/errors.js';
import { hardwareWebgpu, initBackend } from '../../src/backend/select.js';
import { probeAdapter } from '../../src/backend/webgpu.js';
import { availableBackends } from '../helpers/backends.js';
import { missingSystemPackage } from '../helpers/system.js';
import { SWIFTSHADER_ICD, missingWebgpu } from '../helpers/webgpu.js';
import { randomValues } from './compare.js';

const nativeInstalled = availableBackends().includes('tensorflow');

/** A small convolution, read back: the same numbers must come out on every backend and thread count. */
function convolve(): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(1, [4, 12, 12, 8]), [4, 12, 12, 8]);
    const filter = tf.tensor4d(randomValues(2, [3, 3, 8, 16]), [3, 3, 8, 16]);
    return tf.conv2d(x, filter, 1, 'same').dataSync() as Float32Array;
  });
}

describe('initBackend', () => {
  it.skipIf(nativeInstalled)(
    "'tensorflow' without tfjs-node fails with one line saying how to install it",
    async () => {
      const attempt = initBackend({ backend: 'tensorflow' });
      await expect(attempt).rejects.toBeInstanceOf(RunError);
      await expect(attempt).rejects.toThrow(
        /npm install @tensorflow\/tfjs-node\b.*npm install @tensorflow\/tfjs-node-gpu/,
      );
      await expect(attempt).rejects.toThrow(/^[^\n]*$/);
    },
  );

  it.skipIf(!nativeInstalled)("'tensorflow' starts tfjs-node when it is installed", async () => {
    expect((await initBackend({ backend: 'tensorflow' })).name).toBe('tensorflow');
  });

  it("'auto' takes wasm when no native binding is installed, never cpu", async () => {
    const info = await initBackend({ backend: 'auto', threads: 1 });
    expect(info.name).toBe(nativeInstalled ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(info.name);
  });

  it('rejects a thread count that is not a positive whole number', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 0 })).rejects.toBeInstanceOf(UsageError);
    await expect(initBackend({ backend: 'wasm', threads: 1.5 })).rejects.toBeInstanceOf(UsageError);
  });

  it("switches between cpu and wasm (1 and 2 threads) repeatedly, matching cpu's results", async () => {
    const cpu = await initBackend({ backend: 'cpu' });
    expect(cpu).toMatchObject({ name: 'cpu', threads: 1 });
    const expected = convolve();
    // Relative to the largest output, as the kernel comparisons: this 8 -> 16 channel 3x3 convolution
    // takes the Winograd kernel on wasm, whose rounding differs from cpu's direct sum (~1e-5 relative).
    const scale = Math.max(...expected.map(Math.abs));
    for (const threads of [1, 2, 1]) {
      const wasm = await initBackend({ backend: 'wasm', threads });
      expect(wasm.name).toBe('wasm');
      expect(wasm.threads).toBe(threads);
      expect(wasm.detail).toContain('SIMD');
      expect(tf.getBackend()).toBe('wasm');
      const got = convolve();
      expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i]))) / scale).toBeLessThan(1e-4);
      await initBackend({ backend: 'cpu' });
      expect(tf.getBackend()).toBe('cpu');
    }
  });
});

// SwiftShader stands in for the adapter of a GPU device that only a software driver serves (named
// here even where VK_ICD_FILENAMES names a real GPU's driver, as bench/gpu-check.sh sets it).
const noSwiftShader =
  missingWebgpu() ||
  missingSystemPackage({ path: SWIFTSHADER_ICD, apt: 'chromium-common', use: "auto's software-adapter test" });

describe.skipIf(noSwiftShader)("'auto' where a GPU device shows but Dawn's adapter is software", () => {
  it('passes webgpu over without a word and never starts it', async () => {
    const icd = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    try {
      expect(await probeAdapter()).toMatchObject({ software: true });
      const notes: string[] = [];
      expect(await hardwareWebgpu(notes, () => true)).toBeNull();
      expect(notes).toEqual([]);
      expect(tf.findBackend('webgpu')).toBeNull();
    } finally {
      if (icd === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = icd;
    }
  }, 120_000);
});

describe('the multi-threaded wasm build', () => {
  const exec = promisify(execFile);
  const built = path.resolve(import.meta.dirname, '../../dist/backend/select.js');

  it('runs 2 threads by default on this machine and lets the process exit by itself', async () => {
    expect(fs.existsSync(built), `${built} is missing: the global test setup builds it`).toBe(true);
    const script = [
      `import * as tf from '@tensorflow/tfjs';`,
      `import { initBackend } from ${JSON.stringify(built)};`,
      `const info = await initBackend({ backend: 'wasm' });`,
      `tf.conv2d(tf.ones([2, 8, 8, 4]), tf.ones([3, 3, 4, 4]), 1, 'same').dataSync();`,
      `console.log(JSON.stringify(info));`,
    ].join('\n');
    // No explicit exit: a leftover ref'd pthread worker would keep the child alive until the timeout.
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], {
      cwd: path.dirname(built),
      timeout: 60_000,
    });
    const info = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(Math.min(os.availableParallelism(), 8));
  });
});
