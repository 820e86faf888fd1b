#!/usr/bin/env node
// Side-by-side: `cone bench --json` and bench/torch_reference.py on the same networks, batch and
// thread count, run one after the other (never together: they would share the cores), printing
// tfjs/PyTorch throughput ratios against the targets in docs/performance.md.
//
//   node bench/compare.mjs [--models cnn28,resnet20] [--batch 128] [--steps 20] [--warmup 3]
//                          [--threads 2] [--backend wasm] [--json]
//
// Needs the built CLI (`npm run build`) and a Python with torch: PYTHON=/usr/bin/python3 when
// another python3 (pyenv, a venv) comes first on PATH. CONE overrides the cone command line;
// OMP_WAIT_POLICY (default PASSIVE here) is passed to PyTorch.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** tfjs/PyTorch throughput ratios the project aims for (docs/performance.md); benchmarks, not tests. */
const TARGETS = {
  cnn28: { train: 0.35, infer: 0.7 },
  resnet20: { train: 0.3 },
};

const { values: opts } = parseArgs({
  options: {
    models: { type: 'string', default: 'cnn28,resnet20' },
    batch: { type: 'string', default: '128' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
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

const rows = [];
for (const model of opts.models.split(',')) {
  const cone = runJson(coneCommand, [...coneArgs, 'bench', '--json', '--quiet', '--backend', opts.backend, ...withModel(model)]);
  const torch = runJson(python, ['bench/torch_reference.py', ...withModel(model)], torchEnv);
  const ratio = {
    train: cone.train_images_per_s / torch.train_images_per_s,
    infer: cone.infer_images_per_s / torch.infer_images_per_s,
  };
  // From the fastest step of each: other processes only ever add time, so on a shared machine this
  // is the steadier estimate of what the two implementations can do.
  const bestRatio = {
    train: torch.train_step_ms.min_ms / cone.train_step_ms.min_ms,
    infer: torch.infer_step_ms.min_ms / cone.infer_step_ms.min_ms,
  };
  rows.push({ model, cone, torch, ratio, best_ratio: bestRatio, target: TARGETS[model] ?? {} });
}

if (opts.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const f = (v) => v.toFixed(1).padStart(8);
  const verdict = (ratio, target) => (target === undefined ? '' : ratio >= target ? `  ≥ ${target} met` : `  < ${target} NOT met`);
  const first = rows[0];
  if (first) {
    process.stdout.write(
      `${first.cone.machine.cpu}, ${first.cone.machine.cores} cores; batch ${opts.batch}, ${opts.threads} threads\n` +
        `cone: ${first.cone.backend_detail}; torch: ${first.torch.backend_detail}\n`,
    );
  }
  process.stdout.write('model     phase   cone img/s  torch img/s   ratio (median steps)  ratio (fastest steps)\n');
  for (const r of rows) {
    for (const phase of ['train', 'infer']) {
      const key = `${phase}_images_per_s`;
      process.stdout.write(
        `${r.model.padEnd(9)} ${phase.padEnd(6)} ${f(r.cone[key])}     ${f(r.torch[key])}   ` +
          `${r.ratio[phase].toFixed(2).padEnd(20)}  ${r.best_ratio[phase].toFixed(2)}${verdict(r.ratio[phase], r.target[phase])}\n`,
      );
    }
  }
}
