// Per-kernel timings of one training step of the reference CNN on the wasm backend, stock kernels vs
// the project's (src/backend/wasm-kernels), on 1 and 2 threads; plus the 1-vs-2-thread ratio of a
// conv forward+backward and the XNNPACK GEMM rate as a ceiling. Prints markdown (docs/performance.md).
//
//   npm run build && node bench/profile-kernels.mjs [--steps 7] [--batch 128]
//
// Plain Node on the compiled dist/, so no TypeScript runner is needed.
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../dist/backend/select.js';
import { PROJECT_WASM_KERNELS } from '../dist/backend/wasm-kernels/index.js';

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: '7' }, batch: { type: 'string', default: '128' } } });
const STEPS = Number(args.steps);
const BATCH = Number(args.batch);

/** Every stock wasm kernel, as registered before initBackend adds the project's. */
const STOCK = new Map(tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k]));
const PROJECT = new Map(PROJECT_WASM_KERNELS.map((k) => [k.kernelName, k]));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = (start) => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
};

/** The reference CNN: four 3×3 conv (32, 32, 64, 64) + BN + ReLU, max-pools after the 2nd and 4th, dense 128, 10 classes. */
function buildCnn() {
  const input = tf.input({ shape: [28, 28, 1] });
  let x = input;
  [32, 32, 64, 64].forEach((filters, i) => {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: i }) }).apply(x);
    x = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x);
    x = tf.layers.activation({ activation: 'relu' }).apply(x);
    if (i % 2 === 1) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x);
  });
  x = tf.layers.flatten().apply(x);
  x = tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 8 }) }).apply(x);
  x = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }).apply(x);
  return tf.model({ inputs: input, outputs: x });
}

/** Registers either the project kernels or the stock ones (plus those stock lacks), timing every top-level kernel call. */
function installKernels(project, timings) {
  let depth = 0;
  for (const current of tf.getKernelsForBackend('wasm')) {
    const name = current.kernelName;
    const base = PROJECT.has(name) && (project || !STOCK.has(name)) ? PROJECT.get(name) : STOCK.get(name);
    const timed = (params) => {
      if (depth > 0) return base.kernelFunc(params);
      depth++;
      const wall0 = performance.now();
      const cpu0 = process.cpuUsage();
      try {
        return base.kernelFunc(params);
      } finally {
        depth--;
        const entry = timings.get(name) ?? { wall: 0, cpu: 0, calls: 0 };
        entry.wall += performance.now() - wall0;
        entry.cpu += cpuMs(cpu0);
        entry.calls++;
        timings.set(name, entry);
      }
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...current, kernelFunc: timed });
  }
}

/** Median step time and median per-kernel time per step over STEPS training steps (SGD momentum). */
async function profileSteps(threads, project) {
  await initBackend({ backend: 'wasm', threads });
  const perStep = [];
  const timings = new Map();
  installKernels(project, timings);
  const model = buildCnn();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const images = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 2), 10);
  const step = () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true })), true);
    loss.dataSync();
    loss.dispose();
  };
  step();
  step();
  const steps = [];
  for (let i = 0; i < STEPS; i++) {
    timings.clear();
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    step();
    steps.push({ wall: performance.now() - wall0, cpu: cpuMs(cpu0) });
    perStep.push(new Map(timings));
  }
  const kernels = new Map();
  for (const name of new Set(perStep.flatMap((m) => [...m.keys()]))) {
    const of = (field) => median(perStep.map((m) => m.get(name)?.[field] ?? 0));
    kernels.set(name, { wall: of('wall'), cpu: of('cpu'), calls: perStep[0].get(name)?.calls ?? 0 });
  }
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
  return { wall: median(steps.map((s) => s.wall)), cpu: median(steps.map((s) => s.cpu)), kernels };
}

/** Median wall ms of a 3×3 conv (128×28×28×32 → 32) forward + both gradients. */
async function convForwardBackward(threads) {
  await initBackend({ backend: 'wasm', threads });
  const x = tf.randomNormal([BATCH, 28, 28, 32], 0, 1, 'float32', 3);
  const filter = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 4);
  const grads = tf.grads((a, b) => tf.conv2d(a, b, 1, 'same').square().sum());
  const times = [];
  for (let i = 0; i < STEPS + 2; i++) {
    const t0 = performance.now();
    const out = grads([x, filter]);
    out.forEach((t) => t.dataSync());
    times.push(performance.now() - t0);
    tf.dispose(out);
  }
  tf.dispose([x, filter]);
  return median(times.slice(2));
}

/** XNNPACK's GEMM rate (1024³ matmul), the practical ceiling of any wasm kernel here, in GFLOP/s. */
async function gemmRate(threads) {
  await initBackend({ backend: 'wasm', threads });
  const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 5);
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    tf.matMul(a, a).dispose();
    times.push(performance.now() - t0);
  }
  a.dispose();
  return (2 * 1024 ** 3) / (median(times.slice(2)) * 1e6);
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const runs = {};
for (const threads of [1, 2]) {
  for (const project of [false, true]) runs[`${project ? 'project' : 'stock'}-${threads}`] = await profileSteps(threads, project);
}
const conv = { 1: await convForwardBackward(1), 2: await convForwardBackward(2) };
const gemm = { 1: await gemmRate(1), 2: await gemmRate(2) };

console.log(`Node ${process.version}, ${os.cpus()[0].model}, ${os.availableParallelism()} logical cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; batch ${BATCH}, medians of ${STEPS} steps.\n`);
console.log('| kernel | calls/step | stock 1 thread | project 1 thread | stock 2 threads | project 2 threads |');
console.log('|---|---:|---:|---:|---:|---:|');
const names = [...runs['project-1'].kernels.entries()].sort((a, b) => b[1].wall - a[1].wall).map(([name]) => name);
for (const name of names) {
  const cell = (run) => {
    const k = runs[run].kernels.get(name);
    return k === undefined ? '–' : `${fmt(k.wall)} (${fmt(k.cpu)})`;
  };
  // Kernels the stock backend lacks run the project's in the stock runs too, or the step could not train.
  const stockCell = (run) => (STOCK.has(name) ? cell(run) : 'missing');
  console.log(`| ${name} | ${runs['project-1'].kernels.get(name).calls} | ${stockCell('stock-1')} | ${cell('project-1')} | ${stockCell('stock-2')} | ${cell('project-2')} |`);
}
const stepCell = (run) => `**${fmt(runs[run].wall)}** (${fmt(runs[run].cpu)})`;
console.log(`| **whole step** | | ${stepCell('stock-1')} | ${stepCell('project-1')} | ${stepCell('stock-2')} | ${stepCell('project-2')} |`);
const imgs = (run) => ((BATCH * 1000) / runs[run].wall).toFixed(0);
console.log(`\nTraining throughput with the project kernels: ${imgs('project-1')} img/s on 1 thread, ${imgs('project-2')} img/s on 2 threads.`);
console.log(`Conv 3×3 128×28×28×32→32 forward + both gradients: ${fmt(conv[1])} ms on 1 thread, ${fmt(conv[2])} ms on 2 threads (speed-up ${(conv[1] / conv[2]).toFixed(2)}×).`);
console.log(`XNNPACK GEMM (1024³): ${gemm[1].toFixed(1)} GFLOP/s on 1 thread, ${gemm[2].toFixed(1)} GFLOP/s on 2 threads.`);
