import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
/** [[top, bottom], [left, right]] in rows/columns; may be negative (crop). */
export type SpatialPads = [[number, number], [number, number]];

/**
 * The wasm backend's own kernels as they were before the project replaced any: project kernels are
 * built from these, so a replacement never calls itself.
 */
const stockKernels = new Map<string, tf.KernelConfig>();

export function stockKernel(name: string): tf.KernelConfig {
  const kernel = stockKernels.get(name) ?? tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel;
}

/** Remembers the stock kernel `name` (once: a second call would find the replacement). */
export function keepStockKernel(name: string): tf.KernelConfig | undefined {
  if (!stockKernels.has(name)) {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel !== undefined) stockKernels.set(name, kernel);
  }
  return stockKernels.get(name);
}

/** The backend's bookkeeping this file relies on beyond the public KernelBackend API. */
interface WasmInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number }; delete(dataId: object): void };
  wasm: { tfjs: { disposeData(id: number): void } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): Info;
}

/**
 * Runs stock wasm kernels on TensorInfos inside a project kernel and frees every intermediate:
 * `wasmKernel` disposes all results except the one it returns, also when the body throws.
 */
export class WasmOps {
  private readonly results: Info[] = [];
  private readonly views: Info[] = [];
  private readonly internals: WasmInternals;

  constructor(readonly backend: BackendWasm) {
    this.internals = backend as unknown as WasmInternals;
  }

  run(kernel: string, inputs: tf.NamedTensorInfoMap | Info[], attrs: Record<string, unknown> = {}): Info {
    const params = { inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap };
    const out = stockKernel(kernel).kernelFunc(params) as Info;
    this.results.push(out);
    return out;
  }

  /**
   * A zero-copy window of `base` (`shape`, starting `offset` elements in), as a TensorInfo the
   * stock kernels accept. It never leaves this kernel: release() unregisters it without freeing the
   * memory, which `base` owns. Tensors are immutable, so the shared memory is never written.
   */
  view(base: Info, offset: number, shape: number[]): Info {
    const bytes = tf.util.bytesPerElement(base.dtype);
    if (offset < 0 || offset + tf.util.sizeFromShape(shape) > tf.util.sizeFromShape(base.shape)) {
      throw new Error(`view [${offset}, +${shape}] is outside a tensor of shape [${base.shape}]`);
    }
    const { memoryOffset } = this.internals.dataIdMap.get(base.dataId);
    const view = this.internals.makeOutput(shape, base.dtype, memoryOffset + offset * bytes);
    this.views.push(view);
    return view;
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  fill(shape: number[], value: number, dtype: tf.DataType = 'float32'): Info {
    return this.run('Fill', {}, { shape, value, dtype });
  }

  /** A float32 tensor holding `values`. */
  constant(values: number[], shape: number[]): Info {
    const out = this.internals.makeOutput(shape, 'float32', undefined, Float32Array.from(values));
    this.results.push(out);
    return out;
  }

  /** An uninitialised float32 tensor, for a kernel that writes every element itself. */
  empty(shape: number[]): Info {
    const out = this.internals.makeOutput(shape, 'float32');
    this.results.push(out);
    return out;
  }

  /** Takes `x` off the list of intermediates, for a kernel with several outputs. */
  keep(x: Info): Info {
    const i = this.results.indexOf(x);
    if (i < 0) throw new Error('keep: not a result of this kernel');
    this.results.splice(i, 1);
    return x;
  }

  /** Byte offset of `x`'s data in the backend's memory (for the project's SIMD kernels). */
  address(x: Info): number {
    return this.internals.dataIdMap.get(x.dataId).memoryOffset;
  }

  /** NHWC convolution with explicit padding; negative pads crop the output instead. */
  conv2d(
    x: Info,
    filter: Info,
    opts: { strides: [number, number]; dilations: [number, number]; pads: SpatialPads },
  ): Info {
    const [[top, bottom], [left, right]] = opts.pads;
    const pad = [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ];
    const out = this.run(
      'Conv2D',
      { x, filter },
      { strides: opts.strides, dilations: opts.dilations, pad, dataFormat: 'NHWC' },
    );
    if (Math.min(top, bottom, left, right) >= 0) return out;
    // A negative pad drops input rows; with stride 1 (the only case the gradients need) that drops
    // exactly as many output rows from the same side.
    if (opts.strides[0] !== 1 || opts.strides[1] !== 1) throw new Error('cropping conv2d needs stride 1');
    const [n, h, w, c] = out.shape;
    const begin = [0, Math.max(-top, 0), Math.max(-left, 0), 0];
    const size = [n, h - begin[1] - Math.max(-bottom, 0), w - begin[2] - Math.max(-right, 0), c];
    return this.run('Slice', { x: out }, { begin, size });
  }

  /** [M, K] × [K, N] through XNNPACK's fully-connected operator (the stock kernel's fast path). */
  matMul(a: Info, b: Info): Info {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /**
   * Column sums of float32 `x` read as a [R, cols] matrix, as [1, cols]: a tree of XNNPACK adds
   * over views of row blocks (~1 ms for 3 M floats where the stock Sum transposes first, ~11 ms).
   */
  columnSum(x: Info, cols: number): Info {
    let rows = tf.util.sizeFromShape(x.shape) / cols;
    let current = this.reshape(x, [rows, cols]);
    const leftovers: Info[] = [];
    while (rows > 1) {
      const fan = Math.min(COLUMN_SUM_FAN_IN, rows);
      const block = Math.floor(rows / fan);
      const blocks = Array.from({ length: fan }, (_, i) => this.view(current, i * block * cols, [block, cols]));
      const next = fan === 2 ? this.run('Add', { a: blocks[0], b: blocks[1] }) : this.run('AddN', blocks);
      const rest = rows - fan * block;
      if (rest > 0) leftovers.push(this.columnSum(this.view(current, fan * block * cols, [rest, cols]), cols));
      current = next;
      rows = block;
    }
    for (const leftover of leftovers) current = this.run('Add', { a: current, b: leftover });
    return current;
  }

  /** Hands `out` to the caller and frees every other result and view. */
  release(out: Info): Info {
    if (this.views.includes(out)) throw new Error('a project kernel returned a view of another tensor');
    for (const info of this.results) if (info !== out) this.backend.disposeData(info.dataId);
    this.results.length = 0;
    this.releaseViews();
    return out;
  }

  disposeAll(): void {
    for (const info of this.results) this.backend.disposeData(info.dataId);
    this.results.length = 0;
    this.releaseViews();
  }

  private releaseViews(): void {
    for (const view of this.views) {
      this.internals.wasm.tfjs.disposeData(this.internals.dataIdMap.get(view.dataId).id);
      this.internals.dataIdMap.delete(view.dataId);
    }
    this.views.length = 0;
  }
}

/** Blocks added per tree level: one AddN pass over 8 blocks measured fastest (8 > 4, 16, 2). */
const COLUMN_SUM_FAN_IN = 8;

/** Runs a project kernel body with a WasmOps whose intermediates are freed afterwards. */
export function wasmKernel(backend: unknown, body: (ops: WasmOps) => Info): Info {
  const ops = new WasmOps(backend as BackendWasm);
  try {
    return ops.release(body(ops));
  } catch (err) {
    ops.disposeAll();
    throw err;
  }
}
