// Compiles kernels/index.ts with AssemblyScript (a devDependency) into dist/kernels/: one module
// importing a plain memory (the single-threaded wasm backend) and one importing a shared memory
// (the threaded build's SharedArrayBuffer heap; shared imports must declare a maximum, 4 GiB here,
// which any actual maximum satisfies). Runs as part of `npm run build` / `prepare`.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'kernels');
mkdirSync(outDir, { recursive: true });

const common = ['kernels/index.ts', '-O3', '--runtime', 'stub', '--noAssert', '--noExportMemory', '--importMemory', '--initialMemory', '0', '--baseDir', root];
const variants = {
  'kernels.wasm': ['--enable', 'simd'],
  'kernels-shared.wasm': ['--enable', 'simd,threads', '--sharedMemory', '--maximumMemory', '65536'],
};
for (const [file, flags] of Object.entries(variants)) {
  const { error, stderr } = await asc.main([...common, ...flags, '--outFile', join(outDir, file)]);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`building ${file} failed: ${error.message}`);
  }
}
