#!/usr/bin/env node
// Which compiler for the project's SIMD kernels? The same K-blocked 4×8 f32x4 GEMM (the filter
// gradient's inner loop: C[64×64] += Σ_k a_k ⊗ b_k over K = 25,088 rows) written in AssemblyScript
// (gemm.ts, asc -O3) and by hand in WAT (gemm.wat, through wabt, and through wabt then binaryen -O3),
// run on an imported shared memory as the kernels run on the tfjs heap. Process CPU time (one thread,
// so other jobs on a shared machine do not count), median of the rounds, each result checked.
//
//   npm install --no-save wabt && node bench/compiler-choice/run.mjs [--rounds 15]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import asc from 'assemblyscript/asc';
import binaryen from 'binaryen';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });

const tmp = fs.mkdtempSync(path.join(here, '.tmp-'));
const asFile = path.join(tmp, 'as.wasm');
const { error } = await asc.main([path.join(here, 'gemm.ts'), '-O3', '--runtime', 'stub', '--noAssert', '--noExportMemory', '--importMemory',
  '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--enable', 'simd,threads', '--outFile', asFile]);
if (error) throw error;
const wabt = await (await import('wabt')).default();
const wat = Buffer.from(wabt.parseWat('gemm.wat', fs.readFileSync(path.join(here, 'gemm.wat'), 'utf8'), { simd: true, threads: true }).toBinary({}).buffer);
binaryen.setOptimizeLevel(3);
const opt = binaryen.readBinary(wat);
opt.setFeatures(binaryen.Features.SIMD128 | binaryen.Features.Atomics);
opt.optimize();
const binaries = { 'AssemblyScript (asc -O3)': fs.readFileSync(asFile), 'WAT by hand (wabt)': wat, 'WAT by hand (wabt + binaryen -O3)': opt.emitBinary() };
fs.rmSync(tmp, { recursive: true });

const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
const K = 25088, CN = 64, ON = 64, KC = 256;
const f = new Float32Array(memory.buffer);
const A = 1024, B = A + K * CN * 4, C = B + K * ON * 4;
for (let i = 0; i < K * CN; i++) f[A / 4 + i] = Math.sin(i);
for (let i = 0; i < K * ON; i++) f[B / 4 + i] = Math.cos(i);
const expected = (c, o) => { let s = 0; for (let m = 0; m < K; m++) s += f[A / 4 + m * CN + c] * f[B / 4 + m * ON + o]; return s; };
const probe = [expected(5, 7), expected(63, 63)];

const gemms = {};
for (const [name, bin] of Object.entries(binaries)) gemms[name] = new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory } }).exports.gemm;
const rates = Object.fromEntries(Object.keys(gemms).map((k) => [k, []]));
for (let round = 0; round < Number(opts.rounds) + 1; round++) {
  for (const [name, gemm] of Object.entries(gemms)) {
    f.fill(0, C / 4, C / 4 + CN * ON);
    const t0 = process.cpuUsage();
    gemm(A, B, C, K, CN, ON, KC);
    const { user, system } = process.cpuUsage(t0);
    const got = [f[C / 4 + 5 * ON + 7], f[C / 4 + 63 * ON + 63]];
    if (got.some((v, i) => Math.abs(v - probe[i]) > 1e-3 * Math.abs(probe[i]))) throw new Error(`${name}: wrong result`);
    if (round > 0) rates[name].push((2 * K * CN * ON) / ((user + system) * 1e3));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| compiler | binary bytes | GFLOP/s (median CPU time, ${opts.rounds} rounds) | best |`);
console.log('|---|---:|---:|---:|');
for (const [name, bin] of Object.entries(binaries)) {
  console.log(`| ${name} | ${bin.length} | ${median(rates[name]).toFixed(1)} | ${Math.max(...rates[name]).toFixed(1)} |`);
}
