#!/usr/bin/env node
// The project's SIMD kernels against the kernels composed from XNNPACK that they replace (the
// fallback), interleaved in one process: every round runs each shape once with the SIMD module
// loaded and once without. Process CPU time (all threads), so other jobs on a shared machine count
// less than in wall time; with --threads 2 compare wall time on an idle machine only. Prints
// markdown for docs/performance.md, with the XNNPACK GEMM 1024³ rate of the same run as the ceiling.
//
//   npm run build && node bench/simd-kernels.mjs [--threads 1] [--batch 128] [--rounds 7]
//     [--cases REGEX] [--steps cnn28,resnet20] [--passes cnn28,resnet20]
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../dist/backend/select.js';
import { stopSimdKernels, useSimdKernels } from '../dist/backend/simd/index.js';
import { BENCH_CLASSES, createBenchSteps } from '../dist/bench/step.js';
import { BENCH_INPUT_SHAPES } from '../dist/bench/measure.js';
import { buildNetwork } from '../dist/model/networks/index.js';

const { values: opts } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '7' },
    // Whole training steps (`cone bench`'s step: SGD with momentum), SIMD on and off alternating.
    steps: { type: 'string', default: 'cnn28,resnet20' },
    // Whole inference passes (`cone bench`'s: batch-norm folded into the convolutions).
    passes: { type: 'string', default: 'cnn28,resnet20' },
    // Only the kernel cases whose label matches.
    cases: { type: 'string', default: '' },
  },
});
const THREADS = Number(opts.threads);
const B = Number(opts.batch);
await initBackend({ backend: 'wasm', threads: THREADS });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/**
 * [cpu ms, wall ms] of computing what `fn` returns. Wasm kernels run synchronously, so the call is
 * the whole cost; reading a 13 MB result back into JavaScript was measured to add 50+ ms of page
 * faults at random, which would drown the kernels' difference.
 */
function measure(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const wall = performance.now() - t0;
  const { user, system } = process.cpuUsage(c0);
  tf.dispose(out);
  return [(user + system) / 1e3, wall];
}

const cases = [];
const filterCase = (label, [h, w, cin, cout, k, s]) => {
  const ho = Math.ceil(h / s);
  const wo = Math.ceil(w / s);
  const x = tf.randomNormal([B, h, w, cin], 0, 1, 'float32', 1);
  const dy = tf.randomNormal([B, ho, wo, cout], 0, 1, 'float32', 2);
  const attrs = { strides: [s, s], pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, cin, cout] };
  cases.push({ label: `${label}: ${h}×${w}×${cin} → ${cout}, ${k}×${k}/${s}`, gflop: (2 * B * ho * wo * cin * cout * k * k) / 1e9, fn: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) });
};
filterCase('Conv2DBackpropFilter, cnn28 conv1', [28, 28, 1, 32, 3, 1]);
filterCase('Conv2DBackpropFilter, cnn28 conv2', [28, 28, 32, 32, 3, 1]);
filterCase('Conv2DBackpropFilter, cnn28 conv3', [14, 14, 32, 64, 3, 1]);
filterCase('Conv2DBackpropFilter, cnn28 conv4', [14, 14, 64, 64, 3, 1]);
filterCase('Conv2DBackpropFilter, ResNet-20 stem', [32, 32, 3, 16, 3, 1]);
filterCase('Conv2DBackpropFilter, ResNet-20 stage 1', [32, 32, 16, 16, 3, 1]);
filterCase('Conv2DBackpropFilter, ResNet-20 stage 2 entry', [32, 32, 16, 32, 3, 2]);
filterCase('Conv2DBackpropFilter, ResNet-20 shortcut 2', [32, 32, 16, 32, 1, 2]);
filterCase('Conv2DBackpropFilter, ResNet-20 stage 3', [8, 8, 64, 64, 3, 1]);
{
  const shape = [B, 28, 28, 32];
  const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
  const dy = tf.randomNormal(shape, 0, 1, 'float32', 4);
  const [mean, variance, gamma, beta] = [tf.zeros([32]), tf.ones([32]), tf.ones([32]), tf.zeros([32])];
  cases.push({ label: 'FusedBatchNorm: 128×28×28×32', fn: () => tf.batchNorm(x, mean, variance, beta, gamma, 1e-3) });
  const grad = tf.grads((a, g, b) => tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b, g, 1e-3), dy)));
  cases.push({ label: 'batch-norm gradient (x, γ, β): 128×28×28×32', fn: () => grad([x, gamma, beta]) });
}

// 3×3 stride-1 FusedConv2D with bias and ReLU, as the folded inference network runs it (Winograd
// with the module loaded, else XNNPACK's direct convolution); GFLOP/s counts the direct FLOPs.
const convCase = (label, [h, w, cin, cout]) => {
  const x = tf.randomNormal([B, h, w, cin], 0, 1, 'float32', 7);
  const filter = tf.randomNormal([3, 3, cin, cout], 0, 0.1, 'float32', 8);
  const bias = tf.randomNormal([cout], 0, 0.1, 'float32', 9);
  cases.push({ label: `${label}: ${h}×${w}×${cin} → ${cout}, 3×3/1`, gflop: (2 * B * h * w * cin * cout * 9) / 1e9, fn: () => tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' }) });
};
convCase('FusedConv2D, cnn28 conv1', [28, 28, 1, 32]);
convCase('FusedConv2D, cnn28 conv2', [28, 28, 32, 32]);
convCase('FusedConv2D, cnn28 conv3', [14, 14, 32, 64]);
convCase('FusedConv2D, cnn28 conv4', [14, 14, 64, 64]);
convCase('FusedConv2D, ResNet-20 stage 1', [32, 32, 16, 16]);
convCase('FusedConv2D, ResNet-20 stage 2', [16, 16, 32, 32]);
convCase('FusedConv2D, ResNet-20 stage 3', [8, 8, 64, 64]);
if (opts.cases) cases.splice(0, cases.length, ...cases.filter((c) => new RegExp(opts.cases).test(c.label)));

const gemmA = tf.randomNormal([1024, 1024], 0, 1, 'float32', 5);
const gemm = [];
const times = cases.map(() => ({ simd: [], fallback: [] }));
for (let round = 0; round <= Number(opts.rounds); round++) {
  const g = measure(() => tf.matMul(gemmA, gemmA));
  if (round > 0) gemm.push(g);
  cases.forEach((c, i) => {
    useSimdKernels(tf.backend(), THREADS);
    const simd = measure(c.fn);
    stopSimdKernels();
    const fallback = measure(c.fn);
    if (round > 0) {
      times[i].simd.push(simd);
      times[i].fallback.push(fallback);
    }
  });
}
useSimdKernels(tf.backend(), THREADS);

const col = (runs, k) => median(runs.map((r) => r[k]));
const gemmRate = (cpu) => 2.147 / (cpu / 1e3);
console.log(`wasm ${THREADS} thread(s), batch ${B}, medians of ${opts.rounds} interleaved rounds; ${os.cpus()[0].model}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log(`XNNPACK GEMM 1024³ (the ceiling): ${gemmRate(col(gemm, 0)).toFixed(1)} GFLOP/s of CPU time, ${gemmRate(col(gemm, 1)).toFixed(1)} GFLOP/s of wall time\n`);
console.log('| kernel, shape | SIMD CPU ms (wall) | fallback CPU ms (wall) | CPU speed-up | SIMD GFLOP/s of CPU time | share of the GEMM rate |');
console.log('|---|---:|---:|---:|---:|---:|');
cases.forEach((c, i) => {
  const [s, f] = [times[i].simd, times[i].fallback];
  const rate = c.gflop === undefined ? null : c.gflop / (col(s, 0) / 1e3);
  console.log(
    `| ${c.label} | ${col(s, 0).toFixed(1)} (${col(s, 1).toFixed(1)}) | ${col(f, 0).toFixed(1)} (${col(f, 1).toFixed(1)}) | ${(col(f, 0) / col(s, 0)).toFixed(2)}× | ` +
      `${rate === null ? '–' : rate.toFixed(1)} | ${rate === null ? '–' : `${((100 * rate) / gemmRate(col(gemm, 0))).toFixed(0)}%`} |`,
  );
});

/**
 * [CPU ms, wall ms] of `work` with the SIMD kernels on and off, alternating call by call for
 * --rounds rounds after one untimed round of each; the kernels are left on.
 */
function alternate(work) {
  const runs = { simd: [], fallback: [] };
  for (let round = 0; round <= Number(opts.rounds); round++) {
    for (const mode of ['simd', 'fallback']) {
      if (mode === 'simd') useSimdKernels(tf.backend(), THREADS);
      else stopSimdKernels();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      work();
      const wall = performance.now() - t0;
      const { user, system } = process.cpuUsage(c0);
      if (round > 0) runs[mode].push([(user + system) / 1e3, wall]);
    }
  }
  useSimdKernels(tf.backend(), THREADS);
  return runs;
}

// Whole training steps, the two paths alternating step by step in one process.
console.log('\n| training step (batch ' + B + ') | SIMD CPU ms (wall) | fallback CPU ms (wall) | CPU speed-up |');
console.log('|---|---:|---:|---:|');
for (const name of opts.steps.split(',').filter(Boolean)) {
  const model = buildNetwork({ name, feature_dim: 128 }, BENCH_INPUT_SHAPES[name], 0);
  const x = tf.randomNormal([B, ...BENCH_INPUT_SHAPES[name]], 0, 1, 'float32', 6);
  const labels = tf.tensor1d(Int32Array.from({ length: B }, (_, i) => i % BENCH_CLASSES), 'int32');
  const steps = createBenchSteps(model, 'sgd', 0);
  const runs = alternate(() => steps.train(x, labels));
  const [s, f] = [runs.simd, runs.fallback];
  console.log(`| ${name} | ${col(s, 0).toFixed(0)} (${col(s, 1).toFixed(0)}) | ${col(f, 0).toFixed(0)} (${col(f, 1).toFixed(0)}) | ${(col(f, 0) / col(s, 0)).toFixed(2)}× |`);
  tf.dispose([x, labels]);
  model.dispose();
}

// Whole inference passes (`cone bench`'s: the folded network, features read back), alternating.
console.log('\n| inference pass (batch ' + B + ') | SIMD CPU ms (wall) | fallback CPU ms (wall) | CPU speed-up |');
console.log('|---|---:|---:|---:|');
for (const name of opts.passes.split(',').filter(Boolean)) {
  const model = buildNetwork({ name, feature_dim: 128 }, BENCH_INPUT_SHAPES[name], 0);
  const x = tf.randomNormal([B, ...BENCH_INPUT_SHAPES[name]], 0, 1, 'float32', 6);
  const steps = createBenchSteps(model, 'sgd', 0);
  const runs = alternate(() => steps.infer(x));
  const [s, f] = [runs.simd, runs.fallback];
  console.log(`| ${name} | ${col(s, 0).toFixed(1)} (${col(s, 1).toFixed(1)}) | ${col(f, 0).toFixed(1)} (${col(f, 1).toFixed(1)}) | ${(col(f, 0) / col(s, 0)).toFixed(2)}× |`);
  steps.dispose();
  tf.dispose(x);
  model.dispose();
}
