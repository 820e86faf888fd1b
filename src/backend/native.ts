import * as tf from '@tensorflow/tfjs';

/** The TensorFlow C library bindings, best first. Both are optional dependencies (docs/design.md §5). */
export const NATIVE_PACKAGES = [
  { pkg: '@tensorflow/tfjs-node-gpu', detail: 'TensorFlow C library with CUDA (@tensorflow/tfjs-node-gpu)' },
  { pkg: '@tensorflow/tfjs-node', detail: 'TensorFlow C library on the CPU (@tensorflow/tfjs-node)' },
] as const;

export interface NativeBackend {
  detail: string;
}

/** Why each package could not be used, for the caller's message; empty when one loaded. */
export type NativeFailures = string[];

/**
 * Loads the first native binding that imports and activates the 'tensorflow' backend, or returns
 * the reasons none did. `threads` caps TensorFlow's intra-op pool, which it reads from the
 * environment when the library loads, so it must be set before the import.
 */
export async function loadNativeBackend(threads: number | undefined): Promise<NativeBackend | NativeFailures> {
  const failures: NativeFailures = [];
  for (const { pkg, detail } of NATIVE_PACKAGES) {
    try {
      if (threads !== undefined && process.env.TF_NUM_INTRAOP_THREADS === undefined) {
        process.env.TF_NUM_INTRAOP_THREADS = String(threads);
      }
      // A variable specifier keeps TypeScript from resolving packages that are usually absent.
      const specifier: string = pkg;
      await import(specifier);
      if (await tf.setBackend('tensorflow')) return { detail };
      failures.push(`${pkg}: its 'tensorflow' backend failed to start`);
    } catch (err) {
      failures.push(`${pkg}: ${describeImportError(err)}`);
    }
  }
  return failures;
}

function describeImportError(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'not installed';
  return String((err as Error).message ?? err).split('\n')[0];
}
