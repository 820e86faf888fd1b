import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { RunError, UsageError } from '../errors.js';
import { BACKEND_NAMES, type BackendChoice } from './names.js';
import { registerProjectGradients } from './gradients/index.js';
import { loadNativeBackend } from './native.js';
import { initWasmBackend } from './wasm.js';

export type { BackendChoice };

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
}

const INSTALL_HINT =
  'run `npm install @tensorflow/tfjs-node` (or `npm install @tensorflow/tfjs-node-gpu` for CUDA), or use --backend wasm';

/**
 * Activates a compute backend (docs/design.md §5). `auto` takes the first that starts of tfjs-node-gpu,
 * tfjs-node and wasm; `cpu` is used only when asked for. Callable repeatedly in one process.
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
    case 'wasm':
      return { name: 'wasm', ...(await initWasmBackend(threads, log)) };
    case 'auto': {
      const native = await loadNativeBackend(opts.threads);
      if (!Array.isArray(native)) return { name: 'tensorflow', threads, detail: native.detail };
      // Absent optional packages are the normal case; anything else is worth a word.
      const broken = native.filter((f) => f.installed);
      if (broken.length > 0)
        log(
          `backend auto: ${broken.map((f) => (f.fix ? `${f.reason} (run \`${f.fix}\`)` : f.reason)).join('; ')}; using wasm`,
        );
      return { name: 'wasm', ...(await initWasmBackend(threads, log)) };
    }
    default:
      throw new UsageError(`unknown backend '${String(opts.backend)}': use one of ${BACKEND_NAMES.join(', ')}`);
  }
}
