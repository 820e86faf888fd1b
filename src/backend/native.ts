import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The TensorFlow C library bindings, best first. Both are optional dependencies (docs/design.md §5). */
export const NATIVE_PACKAGES = [
  { pkg: '@tensorflow/tfjs-node-gpu', detail: 'TensorFlow C library with CUDA (@tensorflow/tfjs-node-gpu)' },
  { pkg: '@tensorflow/tfjs-node', detail: 'TensorFlow C library on the CPU (@tensorflow/tfjs-node)' },
] as const;

export interface NativeBackend {
  detail: string;
}

/** Why a package could not be used, and the command that fixes it when cone knows one. */
export interface NativeFailure {
  reason: string;
  installed: boolean;
  fix?: string;
}

/** Why each package could not be used, for the caller's message; empty when one loaded. */
export type NativeFailures = NativeFailure[];

/**
 * Why the package installed in `dir` cannot load, when its install script never ran (no
 * tfjs_binding.node in lib/napi-v<N>, where node-pre-gyp puts it); undefined when it ran.
 */
export function missingBinding(pkg: string, dir: string): NativeFailure | undefined {
  const lib = path.join(dir, 'lib');
  const built =
    fs.existsSync(lib) && fs.readdirSync(lib).some((d) => fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
  if (built) return undefined;
  // package.json's allowScripts lets npm run it, but --ignore-scripts or a policy without it skips
  // it; `npm rebuild` runs it (it downloads libtensorflow and the prebuilt binding).
  return {
    reason: `${pkg}: installed, but its install script did not run, so its native binding is missing`,
    installed: true,
    fix: `npm rebuild ${pkg}`,
  };
}

const require = createRequire(import.meta.url);

/** The folder `pkg` is installed in, resolved as the import below would; undefined when absent. */
function installedDir(pkg: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

/**
 * Loads the first native binding of `packages` that imports and activates the 'tensorflow' backend,
 * or returns the reasons none did. `threads` caps TensorFlow's intra-op pool, which it reads from the
 * environment when the library loads, so it must be set before the import.
 */
export async function loadNativeBackend(
  threads: number | undefined,
  packages: readonly (typeof NATIVE_PACKAGES)[number][] = NATIVE_PACKAGES,
): Promise<NativeBackend | NativeFailures> {
  const failures: NativeFailures = [];
  for (const { pkg, detail } of packages) {
    const dir = installedDir(pkg);
    if (dir === undefined) {
      failures.push({ reason: `${pkg}: not installed`, installed: false });
      continue;
    }
    // Importing an unbuilt package throws tfjs-node's advice to build from source, which is not the fix.
    const unbuilt = missingBinding(pkg, dir);
    if (unbuilt) {
      failures.push(unbuilt);
      continue;
    }
    try {
      if (threads !== undefined && process.env.TF_NUM_INTRAOP_THREADS === undefined) {
        process.env.TF_NUM_INTRAOP_THREADS = String(threads);
      }
      // A variable specifier keeps TypeScript from resolving packages that are usually absent.
      const specifier: string = pkg;
      await import(specifier);
      if (await tf.setBackend('tensorflow')) return { detail };
      failures.push({ reason: `${pkg}: its 'tensorflow' backend failed to start`, installed: true });
    } catch (err) {
      failures.push({ reason: `${pkg}: ${String((err as Error).message ?? err).split('\n')[0]}`, installed: true });
    }
  }
  return failures;
}
