import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../io/package-root.js';
import { Worker } from 'node:worker_threads';

/**
 * The project's own WebAssembly SIMD kernels (kernels/, compiled by AssemblyScript into
 * dist/kernels/ during the build). The module imports the wasm backend's own memory, so kernels read
 * and write tensors where the backend keeps them. With the threaded backend (a shared memory) the
 * work is split between this thread and `threads − 1` worker threads instantiating the same module
 * on the same memory; the calling thread waits for them, so a kernel call is synchronous.
 */

/** The exported kernels; each takes its unit range [u0, u1) last. */
export const SIMD_OPS = [
  'conv2dBackpropFilter',
  'batchNormForward',
  'batchNormBackward',
  'winogradFilter',
  'winogradConv2d',
] as const;
export type SimdOp = (typeof SIMD_OPS)[number];

type KernelFn = (...args: number[]) => void;

/** Per worker: an Int32Array over a SharedArrayBuffer. */
const SEQ = 0; // bumped by the caller to post a job
const DONE = 1; // set to SEQ by the worker when the job is finished
const STATUS = 2; // 0 ok, 1 the kernel threw
const OP = 3;
const ARGS = 4;
const MAX_ARGS = 28;
/** Module instantiation in a worker takes milliseconds; far longer means it is stuck. */
const WORKER_START_MS = 10_000;

/** Runs in each worker (an ES module whatever the parent's module type): instantiate, then serve jobs until terminated. */
const WORKER_SOURCE = `
import { workerData } from 'node:worker_threads';
const { module, memory, control, ops } = workerData;
const ctl = new Int32Array(control);
let fns;
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  fns = ops.map((op) => exports[op]);
  Atomics.store(ctl, ${STATUS}, 0);
} catch (err) {
  Atomics.store(ctl, ${STATUS}, 1);
}
Atomics.store(ctl, ${DONE}, 0);
Atomics.notify(ctl, ${DONE});
let seen = 0;
while (fns) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  const count = ctl[${ARGS}];
  try {
    fns[ctl[${OP}]](...ctl.subarray(${ARGS + 1}, ${ARGS + 1} + count));
    ctl[${STATUS}] = 0;
  } catch (err) {
    ctl[${STATUS}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  control: Int32Array;
}

export class SimdKernels {
  private readonly fns: KernelFn[];

  constructor(
    readonly memory: WebAssembly.Memory,
    instance: WebAssembly.Instance,
    private readonly helpers: Helper[],
  ) {
    this.fns = SIMD_OPS.map((op) => instance.exports[op] as KernelFn);
  }

  /** Threads a call is split over (this one included). */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /**
   * Runs `op(...args, u0, u1)` over the work units [0, units), split into contiguous ranges, one per
   * thread; returns when every thread has finished. Arguments are 32-bit integers (byte offsets are
   * passed as their 32-bit pattern, which the module reads back as unsigned).
   */
  run(op: SimdOp, args: number[], units: number): void {
    if (units <= 0) return;
    const index = SIMD_OPS.indexOf(op);
    const parts = Math.min(this.threads, units);
    const bound = (t: number) => Math.round((units * t) / parts);
    const posted: Helper[] = [];
    for (let t = 1; t < parts; t++) {
      const { control } = this.helpers[t - 1];
      control[OP] = index;
      control.set([args.length + 2, ...args, bound(t), bound(t + 1)], ARGS);
      Atomics.add(control, SEQ, 1);
      Atomics.notify(control, SEQ);
      posted.push(this.helpers[t - 1]);
    }
    let failed = false;
    try {
      this.fns[index](...args, 0, bound(1));
    } finally {
      for (const { control } of posted) {
        const seq = Atomics.load(control, SEQ);
        // Wait on the value just compared: reading DONE again for the wait could see the worker's
        // final store and then sleep on it for ever.
        for (let done = Atomics.load(control, DONE); done !== seq; done = Atomics.load(control, DONE))
          Atomics.wait(control, DONE, done);
        failed ||= control[STATUS] !== 0;
      }
    }
    if (failed) throw new Error(`SIMD kernel ${op} failed in a worker thread`);
  }

  dispose(): void {
    for (const { worker } of this.helpers) void worker.terminate();
    this.helpers.length = 0;
  }
}

/** dist/kernels/ of this package (whether running from src/ or dist/). */
export function defaultKernelDir(): string {
  return path.join(PACKAGE_ROOT, 'dist', 'kernels');
}

/**
 * Compiled modules by file. V8 runs a new module's functions as baseline code until it has tiered
 * them up, so a backend restart reuses the module, and with it the optimised code, instead of
 * compiling it again.
 */
const compiled = new Map<string, WebAssembly.Module>();

/**
 * Instantiates the kernels on `memory` (the wasm backend's heap) with up to `threads` threads (more
 * than one only on a shared memory). Throws if the module is missing or does not link; a worker that
 * fails to start reduces the thread count instead (the returned object says how many it got).
 */
export function startSimdKernels(memory: WebAssembly.Memory, threads: number, dir = defaultKernelDir()): SimdKernels {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = path.join(dir, shared ? 'kernels-shared.wasm' : 'kernels.wasm');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing (run \`npm run build\`)`);
  const module = compiled.get(file) ?? new WebAssembly.Module(fs.readFileSync(file));
  compiled.set(file, module);
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const helpers: Helper[] = [];
  for (let t = 1; shared && t < threads; t++) {
    const helper = startHelper(module, memory);
    if (helper === null) break;
    helpers.push(helper);
  }
  return new SimdKernels(memory, instance, helpers);
}

function startHelper(module: WebAssembly.Module, memory: WebAssembly.Memory): Helper | null {
  const control = new Int32Array(new SharedArrayBuffer(4 * (ARGS + 1 + MAX_ARGS)));
  control[DONE] = -1;
  const source = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);
  const worker = new Worker(source, { workerData: { module, memory, control: control.buffer, ops: SIMD_OPS } });
  // A worker waiting for jobs must not keep the process alive; a failed start is seen below.
  worker.unref();
  worker.on('error', () => {});
  Atomics.wait(control, DONE, -1, WORKER_START_MS);
  if (control[DONE] !== 0 || control[STATUS] !== 0) {
    void worker.terminate();
    return null;
  }
  return { worker, control };
}

/** The live backend's kernels, or null (not started, or the module could not be loaded). */
let active: SimdKernels | null = null;

/** The WebAssembly.Memory of a tfjs-backend-wasm 4.22 instance (threaded build: emscripten's `wasmMemory`; single-threaded: the module's exported memory). */
export function backendMemory(backend: unknown): WebAssembly.Memory | null {
  const module = (backend as { wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown } } }).wasm;
  const memory = module?.wasmMemory ?? module?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/**
 * Starts the SIMD kernels for a wasm backend instance (`threads` as the backend has), replacing
 * those of an earlier instance. Returns null on success, else why they are unavailable; the kernels
 * then fall back to the XNNPACK-composed ones.
 */
export function useSimdKernels(backend: unknown, threads: number, dir?: string): string | null {
  const memory = backendMemory(backend);
  if (active !== null && active.memory === memory && active.threads === threads && dir === undefined) return null;
  stopSimdKernels();
  const fallback = 'using the kernels composed from XNNPACK instead';
  if (memory === null) return `the wasm backend exposes no WebAssembly.Memory; ${fallback}`;
  try {
    active = startSimdKernels(memory, threads, dir);
  } catch (err) {
    return `${(err as Error).message}; ${fallback}`;
  }
  if (active.threads < threads && memory.buffer instanceof SharedArrayBuffer) {
    return `running on ${active.threads} of ${threads} threads (a worker thread did not start)`;
  }
  return null;
}

/** The kernels for `backend`, or null if they are not running on its memory. */
export function simdKernelsFor(backend: unknown): SimdKernels | null {
  return active !== null && active.memory === backendMemory(backend) ? active : null;
}

/** Stops the kernels (their workers too); project kernels use the XNNPACK-composed path until restarted. */
export function stopSimdKernels(): void {
  active?.dispose();
  active = null;
}
