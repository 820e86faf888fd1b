import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * End-to-end tests run the built CLI (bin/cone.js -> dist/) and the wasm backend loads the SIMD kernels
 * from dist/kernels/, so build both once, fresh, before any test.
 * A failed build is reported but does not stop unit tests from running; `npm ci` (prepare) is where a
 * broken build fails CI, and the end-to-end tests then fail on their own.
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'pipe' });
    execFileSync(process.execPath, [path.join(root, 'kernels/build.mjs')], { stdio: 'pipe' });
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? String(e);
    process.stderr.write(`\nwarning: the build failed; end-to-end tests will use whatever dist/ holds:\n${out}\n`);
  }
}
