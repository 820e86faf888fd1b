#!/usr/bin/env node
// Side-by-side: `cone bench --json` and bench/torch_reference.py on the same networks, batch and
// thread count, run one after the other (never together: they would share the cores) for several
// rounds, printing the median tfjs/PyTorch throughput ratios against the targets in docs/performance.md.
//
//   node bench/compare.mjs [--models cnn28,resnet20] [--batch 128] [--steps 20] [--warmup 3]
//                          [--threads 2] [--backend wasm|webgpu|...] [--torch-device auto|cpu|cuda]
//                          [--rounds 3] [--json]
//
// --backend webgpu puts the GPU backend beside PyTorch, which runs on CUDA when it has it
// (--torch-device auto); the targets below are for wasm against PyTorch on the CPU and are judged
// only then.
//
// Needs the built CLI (`npm run build`) and a Python with torch: PYTHON=/usr/bin/python3 when
// another python3 (pyenv, a venv) comes first on PATH. CONE overrides the cone command line;
// CONE_BEFORE (e.g. another checkout's `node ../main/bin/cone.js`) adds it as a third side in every
// round, so a change is measured before/after in the same run; OMP_WAIT_POLICY (default PASSIVE
// here) is passed to PyTorch.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** tfjs/PyTorch throughput ratios the project aims for on the CPU (docs/performance.md); benchmarks, not tests. */
const TARGETS = {
  cnn28: { train: 0.4, infer: 0.6 },
  resnet20: { train: 0.35 },
};

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'cnn28,resnet20' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    'torch-device': { type: 'string', default: 'auto' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});

/**
 * GNU OpenMP threads spin while they wait; with one other runnable process on the machine that made
 * PyTorch's 2-thread steps 5–10× slower (docs/performance.md), so they sleep instead unless told otherwise.
 */
const torchEnv = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };

function runJson(command, args, env = process.env) {
  const out = execFileSync(command, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.trim().split('\n').at(-1);
  return JSON.parse(line);
}

const shared = ['--batch', opts.batch, '--steps', opts.steps, '--warmup', opts.warmup, '--threads', opts.threads];
const withModel = (model) => ['--model', model, ...shared];
const [coneCommand, ...coneArgs] = (process.env.CONE ?? `${process.execPath} bin/cone.js`).split(' ');
const python = process.env.PYTHON ?? 'python3';
const beforeCommand = process.env.CONE_BEFORE?.split(' ');

const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PHASES = ['train', 'infer'];

/**
 * One round: both sides once, the order alternating between rounds so neither always runs second.
 * The ratio of median steps, and the ratio of fastest steps (other processes only ever add time,
 * so on a shared machine that is the steadier estimate of what the two implementations can do).
 */
function round(model, i) {
  const runCone = () => runJson(coneCommand, [...coneArgs, 'bench', '--json', '--quiet', '--backend', opts.backend, ...withModel(model)]);
  const runTorch = () => runJson(python, ['bench/torch_reference.py', '--device', opts['torch-device'], ...withModel(model)], torchEnv);
  const runBefore = () => runJson(beforeCommand[0], [...beforeCommand.slice(1), 'bench', '--json', '--quiet', '--backend', opts.backend, ...withModel(model)]);
  const sides = beforeCommand === undefined ? [runCone, runTorch] : [runCone, runTorch, runBefore];
  // Rotate the order between rounds so no side always runs first or last.
  const results = new Map();
  for (let k = 0; k < sides.length; k++) {
    const side = sides[(i + k) % sides.length];
    results.set(side, side());
  }
  const cone = results.get(runCone);
  const torch = results.get(runTorch);
  const before = results.get(runBefore);
  const ratios = (side) => {
    const ratio = {};
    const bestRatio = {};
    for (const phase of PHASES) {
      ratio[phase] = side[`${phase}_images_per_s`] / torch[`${phase}_images_per_s`];
      bestRatio[phase] = torch[`${phase}_step_ms`].min_ms / side[`${phase}_step_ms`].min_ms;
    }
    return { ratio, best_ratio: bestRatio };
  };
  const result = { cone, torch, ...ratios(cone), ...(before === undefined ? {} : { before, before_ratio: ratios(before).ratio }) };
  // One line per finished round on stderr, so a run stopped early still leaves its rounds.
  process.stderr.write(`${JSON.stringify({ model, round: i, ratio: result.ratio, before_ratio: result.before_ratio, images_per_s: { cone: pick(cone), torch: pick(torch), ...(before ? { before: pick(before) } : {}) } })}\n`);
  return result;
}

const pick = (side) => ({ train: side.train_images_per_s, infer: side.infer_images_per_s });

const rows = [];
for (const model of opts.models.split(',')) {
  const rounds = Array.from({ length: Number(opts.rounds) }, (_, i) => round(model, i));
  const summary = (pick) => Object.fromEntries(PHASES.map((phase) => [phase, medianOf(rounds.map((r) => pick(r, phase)))]));
  const spread = Object.fromEntries(PHASES.map((phase) => [phase, [Math.min(...rounds.map((r) => r.ratio[phase])), Math.max(...rounds.map((r) => r.ratio[phase]))]]));
  rows.push({
    model,
    cone_images_per_s: summary((r, phase) => r.cone[`${phase}_images_per_s`]),
    torch_images_per_s: summary((r, phase) => r.torch[`${phase}_images_per_s`]),
    ratio: summary((r, phase) => r.ratio[phase]),
    best_ratio: summary((r, phase) => r.best_ratio[phase]),
    ratio_range: spread,
    ...(beforeCommand === undefined ? {} : { before_ratio: summary((r, phase) => r.before_ratio[phase]) }),
    // The targets compare CPU implementations: wasm against PyTorch on the CPU.
    target: rounds[0].cone.backend === 'wasm' && rounds[0].torch.backend === 'torch-cpu' ? (TARGETS[model] ?? {}) : {},
    rounds,
  });
}

if (opts.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const f = (v) => v.toFixed(1).padStart(8);
  const verdict = (ratio, target) => (target === undefined ? '' : ratio >= target ? `  ≥ ${target} met` : `  < ${target} NOT met`);
  const first = rows[0]?.rounds[0];
  if (first) {
    process.stdout.write(
      `${first.cone.machine.cpu}, ${first.cone.machine.cores} cores; batch ${opts.batch}, ${opts.threads} threads; ` +
        `medians of ${opts.rounds} alternating rounds\n` +
        `cone: ${first.cone.backend_detail}; torch: ${first.torch.backend_detail}\n`,
    );
  }
  process.stdout.write('model     phase   cone img/s  torch img/s   ratio (median steps)  range        ratio (fastest steps)\n');
  for (const r of rows) {
    for (const phase of PHASES) {
      const range = `${r.ratio_range[phase][0].toFixed(2)}–${r.ratio_range[phase][1].toFixed(2)}`;
      process.stdout.write(
        `${r.model.padEnd(9)} ${phase.padEnd(6)} ${f(r.cone_images_per_s[phase])}     ${f(r.torch_images_per_s[phase])}   ` +
          `${r.ratio[phase].toFixed(2).padEnd(20)}  ${range.padEnd(11)}  ${r.best_ratio[phase].toFixed(2)}${verdict(r.ratio[phase], r.target[phase])}\n`,
      );
      if (r.before_ratio) process.stdout.write(`${''.padEnd(9)} ${phase.padEnd(6)} CONE_BEFORE: ratio ${r.before_ratio[phase].toFixed(2)} (median of the same rounds)\n`);
    }
  }
}
