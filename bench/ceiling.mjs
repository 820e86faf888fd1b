#!/usr/bin/env node
// How fast can a wasm training step or inference pass be at all? Times XNNPACK's GEMM (the best
// arithmetic rate any wasm kernel reaches here) and every convolution of a network alone (forward,
// input gradient, filter gradient), then divides the network's convolution FLOPs by the GEMM rate:
// a lower bound on the step, and so an upper bound on the throughput ratio against PyTorch that no
// arrangement of wasm kernels can beat. Prints markdown for docs/performance.md.
//
//   npm run build && node bench/ceiling.mjs [--model cnn28] [--batch 128] [--threads 2] [--reps 7]
//                                           [--torch]   (also times bench/torch_reference.py; PYTHON=…)
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../dist/backend/select.js';
import { buildNetwork } from '../dist/model/networks/index.js';

const { values: opts } = parseArgs({
  options: {
    model: { type: 'string', default: 'cnn28' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '7' },
    torch: { type: 'boolean', default: false },
  },
});
const BATCH = Number(opts.batch);
const REPS = Number(opts.reps);
const INPUT = { cnn28: [28, 28, 1], resnet8: [32, 32, 3], resnet20: [32, 32, 3] }[opts.model];
if (INPUT === undefined) throw new Error(`--model: one of cnn28, resnet8, resnet20`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall ms of computing the tensor `fn` returns and reading it back, after two untimed calls. */
function time(fn) {
  const ms = [];
  for (let i = 0; i < REPS + 2; i++) {
    const t0 = performance.now();
    const out = fn();
    out.dataSync();
    ms.push(performance.now() - t0);
    out.dispose();
  }
  return median(ms.slice(2));
}

await initBackend({ backend: 'wasm', threads: Number(opts.threads) });

function gemmRate(m, k, n) {
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
  const ms = time(() => tf.matMul(a, b));
  tf.dispose([a, b]);
  return (2 * m * k * n) / (ms * 1e6);
}

/** Every Conv2D layer of the network with the shapes it sees at this batch size. */
function convLayers() {
  const model = buildNetwork({ name: opts.model, feature_dim: 128, width: 1, hidden: [256, 256], batch_norm: true }, INPUT, 0);
  const layers = model.layers
    .filter((l) => l.getClassName() === 'Conv2D')
    .map((l) => {
      const [, h, w, cin] = l.inputSpec?.[0]?.shape ?? l.input.shape;
      const [, ho, wo, cout] = l.outputShape;
      const [kh, kw] = l.kernelSize;
      return { name: l.name, h, w, cin, ho, wo, cout, kh, kw, stride: l.strides[0], first: l.input.sourceLayer.getClassName() === 'InputLayer' };
    });
  model.dispose();
  return layers;
}

function convTimes(c) {
  const x = tf.randomNormal([BATCH, c.h, c.w, c.cin], 0, 1, 'float32', 3);
  const f = tf.randomNormal([c.kh, c.kw, c.cin, c.cout], 0, 0.1, 'float32', 4);
  const dy = tf.randomNormal([BATCH, c.ho, c.wo, c.cout], 0, 1, 'float32', 5);
  const forward = time(() => tf.conv2d(x, f, c.stride, 'same'));
  const input = time(() => tf.conv2dTranspose(dy, f, x.shape, c.stride, 'same'));
  const filterAttrs = { strides: [c.stride, c.stride], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: f.shape };
  const filter = time(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, filterAttrs));
  tf.dispose([x, f, dy]);
  return { forward, input, filter };
}

const gemm = gemmRate(1024, 1024, 1024);
const rows = [];
let flopsInfer = 0;
let flopsTrain = 0;
let msInfer = 0;
let msTrain = 0;
for (const c of convLayers()) {
  const gflop = (2 * BATCH * c.ho * c.wo * c.cout * c.cin * c.kh * c.kw) / 1e9;
  const t = convTimes(c);
  // The first layer's input gradient is not needed, so it is left out of the bound (tfjs-layers
  // computes it anyway: its fused conv's custom gradient returns both gradients).
  const inputGradUsed = !c.first;
  flopsInfer += gflop;
  flopsTrain += gflop * (inputGradUsed ? 3 : 2);
  msInfer += t.forward;
  msTrain += t.forward + t.filter + (inputGradUsed ? t.input : 0);
  rows.push({ c, gflop, t, inputGradUsed });
}

const tfMachine = `${os.cpus()[0].model}, ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
console.log(`${opts.model}, batch ${BATCH}, wasm ${opts.threads} threads, medians of ${REPS}; ${tfMachine}\n`);
console.log(`XNNPACK GEMM 1024³: ${gemm.toFixed(1)} GFLOP/s\n`);
console.log('| layer | shape (in → out) | GFLOP | forward ms (GFLOP/s) | input grad ms (GFLOP/s) | filter grad ms (GFLOP/s) |');
console.log('|---|---|---:|---:|---:|---:|');
const cell = (ms, gflop) => `${ms.toFixed(1)} (${(gflop / (ms / 1e3)).toFixed(0)})`;
for (const { c, gflop, t, inputGradUsed } of rows) {
  const shape = `${c.h}×${c.w}×${c.cin} → ${c.ho}×${c.wo}×${c.cout}, ${c.kh}×${c.kw}/${c.stride}`;
  console.log(`| ${c.name} | ${shape} | ${gflop.toFixed(2)} | ${cell(t.forward, gflop)} | ${inputGradUsed ? cell(t.input, gflop) : 'not needed'} | ${cell(t.filter, gflop)} |`);
}
const boundInfer = (flopsInfer / gemm) * 1e3;
const boundTrain = (flopsTrain / gemm) * 1e3;
console.log(`\nConvolutions alone: inference ${flopsInfer.toFixed(2)} GFLOP in ${msInfer.toFixed(0)} ms; training step ${flopsTrain.toFixed(2)} GFLOP in ${msTrain.toFixed(0)} ms.`);
console.log(`At the GEMM rate: inference ≥ ${boundInfer.toFixed(0)} ms (≤ ${((BATCH * 1e3) / boundInfer).toFixed(0)} img/s), training step ≥ ${boundTrain.toFixed(0)} ms (≤ ${((BATCH * 1e3) / boundTrain).toFixed(0)} img/s).`);

if (opts.torch) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
  const args = ['bench/torch_reference.py', '--model', opts.model, '--batch', opts.batch, '--threads', opts.threads, '--steps', '10', '--warmup', '3'];
  const out = execFileSync(process.env.PYTHON ?? 'python3', args, { cwd: root, env, encoding: 'utf8' });
  const torch = JSON.parse(out.trim().split('\n').at(-1));
  const ceilTrain = ((BATCH * 1e3) / boundTrain) / torch.train_images_per_s;
  const ceilInfer = ((BATCH * 1e3) / boundInfer) / torch.infer_images_per_s;
  console.log(`PyTorch CPU: training ${torch.train_images_per_s.toFixed(0)} img/s, inference ${torch.infer_images_per_s.toFixed(0)} img/s.`);
  console.log(`Highest ratio reachable with convolutions at the GEMM rate and everything else free: training ${ceilTrain.toFixed(2)}×, inference ${ceilInfer.toFixed(2)}×.`);
}
