import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { RunError, UsageError } from '../errors.js';
import { BACKEND_NAMES, type BackendChoice } from './names.js';
import { registerProjectGradients } from './gradients/index.js';
import { NATIVE_PACKAGES, type NativeFailures, loadNativeBackend } from './native.js';
import { initWasmBackend } from './wasm.js';
import { type GpuAdapter, adapterName, gpuDevicePresent, probeAdapter, startWebgpu } from './webgpu.js';

export type { BackendChoice, GpuAdapter };

export interface BackendOptions {
  backend: BackendChoice;
  /** Compute threads; default: os.availableParallelism(). The cpu backend always uses one. */
  threads?: number;
  /** Where fallbacks are explained (a fallback is never silent). */
  log?: (msg: string) => void;
}

/** The backend actually in use, for manifests and logs. */
export interface BackendInfo {
  name: string;
  threads: number;
  detail: string;
  /** The GPU adapter of the webgpu backend. */
  adapter?: GpuAdapter;
}

const INSTALL_HINT =
  'run `npm install @tensorflow/tfjs-node` (or `npm install @tensorflow/tfjs-node-gpu` for CUDA), or use --backend wasm';

const [NATIVE_GPU, NATIVE_CPU] = NATIVE_PACKAGES;

/** What a backend computes on, for one-line headers: the GPU adapter, or the CPU thread count. */
export function runsOn(info: BackendInfo): string {
  return info.adapter ? adapterName(info.adapter) : `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
}

/** The webgpu backend as BackendInfo: one JavaScript thread drives the GPU. */
function webgpuInfo(adapter: GpuAdapter): BackendInfo {
  return { name: 'webgpu', threads: 1, detail: `tfjs-backend-webgpu on Dawn: ${adapterName(adapter)}`, adapter };
}

/** Failures of packages that are installed but did not load, as one clause with their fixes. */
function brokenNatives(failures: NativeFailures): string[] {
  return failures.filter((f) => f.installed).map((f) => (f.fix ? `${f.reason} (run \`${f.fix}\`)` : f.reason));
}

/**
 * `auto`'s webgpu step: only a hardware adapter, asked for in a child process (see probeAdapter) and
 * only where a GPU device exists (`devicePresent`; the tests stand in for one); a failure is worth a
 * word only then. A software adapter is passed over without a word: wasm is faster on the CPU.
 */
export async function hardwareWebgpu(
  notes: string[],
  devicePresent: () => boolean = gpuDevicePresent,
): Promise<BackendInfo | null> {
  if (!devicePresent()) return null;
  const probed = await probeAdapter();
  if ('reason' in probed) {
    notes.push(`webgpu: ${probed.reason}`);
    return null;
  }
  if (probed.software) return null;
  const started = await startWebgpu();
  if ('reason' in started) {
    notes.push(`webgpu: ${started.reason}`);
    return null;
  }
  return webgpuInfo(started);
}

/**
 * Runs `fn` on a CPU backend when webgpu is active (wasm, then webgpu again), else on the active one.
 * For small work that reads results back often (the probes): a GPU would wait on every read-back, and
 * webgpu cannot read back synchronously in Node. `fn` must only use tensors it makes itself, and no
 * other tensor work may run while it waits.
 */
export async function withCpuBackend<T>(fn: () => T | Promise<T>, log: (msg: string) => void = () => {}): Promise<T> {
  if (tf.getBackend() !== 'webgpu') return fn();
  await initWasmBackend(os.availableParallelism(), log);
  try {
    return await fn();
  } finally {
    await tf.setBackend('webgpu');
  }
}

/**
 * Activates a compute backend (docs/design.md §5). `auto` takes the first that starts of tfjs-node-gpu,
 * webgpu on a hardware adapter, tfjs-node and wasm; `cpu` is used only when asked for. Callable
 * repeatedly in one process.
 */
export async function initBackend(opts: BackendOptions): Promise<BackendInfo> {
  const log = opts.log ?? (() => {});
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new UsageError(`threads must be a whole number of at least 1, got ${opts.threads}`);
  }
  const threads = opts.threads ?? os.availableParallelism();
  // Production mode: skips tfjs's debug-time checks and its console banners (the cpu backend's
  // "install tfjs-node" notice); cone reports the backend it chose itself.
  tf.enableProdMode();
  registerProjectGradients();
  switch (opts.backend) {
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new RunError('the cpu backend failed to start');
      return { name: 'cpu', threads: 1, detail: 'plain JavaScript (tfjs-backend-cpu)' };
    case 'tensorflow': {
      const native = await loadNativeBackend(opts.threads);
      if (Array.isArray(native)) {
        // An installed but unbuilt package names its own fix; otherwise say how to install one.
        const fix = native.find((f) => f.fix)?.fix;
        const reasons = native.map((f) => f.reason).join('; ');
        throw new RunError(
          `backend 'tensorflow' is not available (${reasons}): ${fix ? `run \`${fix}\`, or use --backend wasm` : INSTALL_HINT}`,
        );
      }
      return { name: 'tensorflow', threads, detail: native.detail };
    }
    case 'webgpu': {
      const adapter = await startWebgpu();
      if ('reason' in adapter)
        throw new RunError(`backend 'webgpu' is not available: ${adapter.reason}; or use --backend wasm`);
      if (adapter.software)
        log(
          `webgpu: ${adapterName(adapter)} is a software renderer on the CPU: results are right, but slower than wasm`,
        );
      return webgpuInfo(adapter);
    }
    case 'wasm':
      return { name: 'wasm', ...(await initWasmBackend(threads, log)) };
    case 'auto': {
      const gpu = await loadNativeBackend(opts.threads, [NATIVE_GPU]);
      if (!Array.isArray(gpu)) return { name: 'tensorflow', threads, detail: gpu.detail };
      // Absent optional packages and GPU-less machines are the normal case; anything else is worth a word.
      const notes = brokenNatives(gpu);
      const webgpu = await hardwareWebgpu(notes);
      if (webgpu) return webgpu;
      const cpu = await loadNativeBackend(opts.threads, [NATIVE_CPU]);
      if (!Array.isArray(cpu)) return { name: 'tensorflow', threads, detail: cpu.detail };
      notes.push(...brokenNatives(cpu));
      if (notes.length > 0) log(`backend auto: ${notes.join('; ')}; using wasm`);
      return { name: 'wasm', ...(await initWasmBackend(threads, log)) };
    }
    default:
      throw new UsageError(`unknown backend '${String(opts.backend)}': use one of ${BACKEND_NAMES.join(', ')}`);
  }
}
