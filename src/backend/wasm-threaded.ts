import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The multi-threaded SIMD build of the tfjs wasm backend, started in Node.
 *
 * tfjs 4.22 never uses this build in Node: it starts emscripten's pthread workers from `blob:` URLs,
 * which Node's worker_threads refuse (ERR_WORKER_PATH), and its C++ side sizes the XNNPACK pool at
 * half the logical cores. Here the package's own emscripten factory is started with (1) a worker
 * given as a `data:` URL object (which Node accepts) that evaluates the package's worker script,
 * (2) the factory's file path as the script each worker imports, and (3) a core count that makes
 * the C++ side allow the requested number of threads. Nothing is fetched: every file comes from the
 * installed package.
 */

const require = createRequire(import.meta.url);
const PACKAGE_DIR = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
/** The emscripten factory; pthread workers evaluate the same file. */
const FACTORY_JS = path.join(PACKAGE_DIR, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
/** A CommonJS module exporting emscripten's pthread worker script as the string `wasmWorkerContents`. */
const WORKER_JS = path.join(PACKAGE_DIR, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
const WASM_BINARY = path.join(PACKAGE_DIR, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
/** The C++ side pre-creates this many workers and never uses more threads than that. */
export const MAX_WASM_THREADS = 8;
/** Starting 8 workers takes well under a second; far longer means a worker is stuck. */
const START_TIMEOUT_MS = 30_000;

/** The parts of the emscripten module this file touches (tfjs's own typings need @types/emscripten). */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: {
    unusedWorkers: Worker[];
    runningWorkers: Worker[];
    terminateAllThreads(): void;
  };
  tfjs?: Record<string, (...args: number[]) => number>;
}

type ImportObject = { env: Record<string, unknown> };
type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/**
 * Runs in each pthread worker (an ES module, since Node loads `data:` workers that way): gives the
 * worker script the CommonJS globals it expects, then evaluates it in global scope. Its `\n` escapes
 * sit inside a template literal in the package, so they arrive as raw newlines and are re-escaped, as
 * tfjs does before making its blob.
 */
function workerBootstrap(): URL {
  const source = [
    `import { createRequire } from 'node:module';`,
    `globalThis.require = createRequire(${JSON.stringify(WORKER_JS)});`,
    `globalThis.__filename = ${JSON.stringify(FACTORY_JS)};`,
    `const contents = globalThis.require(${JSON.stringify(WORKER_JS)}).wasmWorkerContents;`,
    `(0, eval)(contents.replace(/\\n/g, '\\\\n'));`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

function checkPackageFiles(): void {
  for (const file of [FACTORY_JS, WORKER_JS, WASM_BINARY]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing from @tensorflow/tfjs-backend-wasm`);
  }
  const contents = (require(WORKER_JS) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof contents !== 'string') throw new Error(`${WORKER_JS} no longer exports wasmWorkerContents`);
}

/** Starts the module; rejects on abort or timeout, terminating any workers already started. */
async function startModule(threads: number): Promise<ThreadedModule> {
  checkPackageFiles();
  const factory = require(FACTORY_JS) as Factory;
  const config: Record<string, unknown> & Partial<ThreadedModule> = {};
  const started = new Promise<ThreadedModule>((resolve, reject) => {
    Object.assign(config, {
      mainScriptUrlOrBlob: FACTORY_JS,
      locateFile: (file: string) => (file.endsWith('.worker.js') ? workerBootstrap() : WASM_BINARY),
      // The C++ side allows min(requested, logical cores / 2) threads; report twice the request.
      instantiateWasm: (
        imports: ImportObject,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        WebAssembly.instantiate(fs.readFileSync(WASM_BINARY), imports as WebAssembly.Imports).then(
          (result) => receive(result.instance, result.module),
          reject,
        );
        return {};
      },
      onAbort: (what: unknown) => reject(new Error(`wasm module aborted: ${String(what)}`)),
    });
    factory(config).then(resolve, reject);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`pthread workers did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    timer.unref();
  });
  try {
    return await Promise.race([started, timeout]);
  } catch (err) {
    config.PThread?.terminateAllThreads();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The same C++ entry points tfjs's own (unexported) init() wraps, which BackendWasm expects. */
function wrapEntryPoints(module: ThreadedModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

/**
 * A wasm backend running XNNPACK on `threads` threads (2..MAX_WASM_THREADS). `setThreadsCount` of
 * the package must already hold `threads`: BackendWasm's constructor reads it. Throws if the pool
 * did not come up with that many threads.
 */
export async function createThreadedWasmBackend(threads: number): Promise<BackendWasm> {
  const module = await startModule(threads);
  wrapEntryPoints(module);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  const actual = module.tfjs!.getThreadsCount();
  // The pool has taken the workers it needs; the spare pre-created ones would only idle.
  for (const worker of module.PThread.unusedWorkers) void worker.terminate();
  module.PThread.unusedWorkers = [];
  // emscripten ref()s a worker while its pthread runs, and XNNPACK's pool threads run forever:
  // unref them so the process still exits when its work is done.
  for (const worker of module.PThread.runningWorkers) worker.unref();
  if (actual !== threads) {
    backend.dispose();
    throw new Error(`XNNPACK started ${actual} threads instead of ${threads}`);
  }
  return backend;
}
