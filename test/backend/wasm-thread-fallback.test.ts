import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/select.js';

// The multi-threaded start fails as it would on a Node whose worker_threads refuse the worker.
vi.mock('../../src/backend/wasm-threaded.js', () => ({
  MAX_WASM_THREADS: 8,
  createThreadedWasmBackend: async () => {
    throw new Error('ERR_WORKER_PATH (simulated)');
  },
}));

describe('when the multi-threaded wasm build cannot start', () => {
  it('falls back to one SIMD thread, says so through log, and never to cpu', async () => {
    const messages: string[] = [];
    const info = await initBackend({ backend: 'wasm', threads: 2, log: (m) => messages.push(m) });
    expect(info).toMatchObject({ name: 'wasm', threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/2 threads failed \(ERR_WORKER_PATH \(simulated\)\); using 1 SIMD thread/);
    expect(tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])).dataSync())).toEqual(new Float32Array([2, 2]));
  });
});
