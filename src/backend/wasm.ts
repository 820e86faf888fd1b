import path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { RunError } from '../errors.js';
import { useSimdKernels } from './simd/index.js';
import { registerWasmKernels } from './wasm-kernels/index.js';
import { MAX_WASM_THREADS, createThreadedWasmBackend } from './wasm-threaded.js';

export interface WasmBackendInfo {
  threads: number;
  detail: string;
}

const require = createRequire(import.meta.url);
/** The installed binaries, read as files: nothing is fetched. */
const WASM_DIST_DIR =
  path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
/** tfjs-backend-wasm's own registration priority. */
const WASM_PRIORITY = 2;

/** The package's own factory (single-threaded in Node), kept before this module replaces it. */
const stockFactory = tf.findBackendFactory('wasm');
let pathsSet = false;
/** What the live 'wasm' backend instance was started with, or null before the first start. */
let active: WasmBackendInfo | null = null;

/**
 * Makes 'wasm' the active backend with `threads` XNNPACK threads (clamped to 1..8) and the project's
 * training kernels. Callable any number of times: the same thread count reuses the live instance;
 * another count restarts the backend, which invalidates tensors held on the old instance.
 * A multi-threaded start that fails falls back to one SIMD thread with a message through `log`.
 */
export async function initWasmBackend(threads: number, log: (msg: string) => void): Promise<WasmBackendInfo> {
  const wanted = Math.min(Math.max(1, Math.floor(threads)), MAX_WASM_THREADS);
  if (wanted !== threads)
    log(`wasm backend: ${threads} threads requested, using ${wanted} (its limit is ${MAX_WASM_THREADS})`);
  if (active !== null && active.threads === wanted) {
    if (!(await tf.setBackend('wasm'))) throw new RunError('the wasm backend failed to restart; try --backend cpu');
  } else {
    active = await startWasm(wanted, log);
  }
  registerWasmKernels();
  const problem = useSimdKernels(tf.backend(), active.threads);
  if (problem !== null) log(`wasm backend: project SIMD kernels: ${problem}`);
  return active;
}

async function startWasm(threads: number, log: (msg: string) => void): Promise<WasmBackendInfo> {
  if (stockFactory === null)
    throw new RunError('@tensorflow/tfjs-backend-wasm did not register its backend; reinstall it with `npm ci`');
  if (!pathsSet) {
    setWasmPaths(WASM_DIST_DIR);
    pathsSet = true;
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  let threaded: tf.KernelBackend | null = null;
  if (threads > 1 && simd) {
    setThreadsCount(threads);
    try {
      threaded = await createThreadedWasmBackend(threads);
    } catch (err) {
      log(`wasm backend: ${threads} threads failed (${(err as Error).message}); using 1 SIMD thread`);
    }
  } else if (threads > 1) {
    log('wasm backend: this Node has no WebAssembly SIMD, which the multi-threaded build needs; using 1 thread');
  }
  if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  tf.registerBackend('wasm', threaded === null ? stockFactory : () => threaded, WASM_PRIORITY);
  if (!(await tf.setBackend('wasm'))) {
    throw new RunError('the wasm backend failed to start (see the warnings above); try --backend cpu');
  }
  const used = threaded === null ? 1 : threads;
  const build = simd ? 'SIMD' : 'no SIMD';
  return {
    threads: used,
    detail: `tfjs-backend-wasm ${version_wasm}, ${build}, ${used} thread${used === 1 ? '' : 's'}`,
  };
}
