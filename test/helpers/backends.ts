import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe } from 'vitest';
import { NATIVE_PACKAGES } from '../../src/backend/native.js';
import { initBackend, type BackendChoice } from '../../src/backend/select.js';

export type TestBackend = Exclude<BackendChoice, 'auto'>;

const require = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** cpu and wasm always; tensorflow when tfjs-node or tfjs-node-gpu is installed. */
export function availableBackends(): TestBackend[] {
  const native = NATIVE_PACKAGES.some(({ pkg }) => installed(pkg));
  return native ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];
}

/**
 * Makes `backend` active. Tests use one wasm thread: the suite runs two test files at once on two
 * cores, and thread behaviour has its own tests in test/backend.
 */
export async function useBackend(backend: TestBackend): Promise<void> {
  await initBackend({ backend, threads: 1 });
}

/**
 * One `describe` block per available backend, each making its backend active in beforeAll. Blocks
 * run one after another, so the global tfjs backend is the block's own while its tests run.
 */
export function eachBackend(fn: (backend: TestBackend) => void): void {
  for (const backend of availableBackends()) {
    describe(`on ${backend}`, () => {
      beforeAll(async () => {
        await useBackend(backend);
        if (tf.getBackend() !== backend) throw new Error(`backend ${backend} did not become active`);
      });
      fn(backend);
    });
  }
}
