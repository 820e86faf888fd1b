#!/usr/bin/env node
// The cost of tracking collapse over training (spec `track`): real `cone pretrain` runs of a spec
// with tracking on and off, interleaved (on/off, then off/on, ...), fresh run folders each time.
// Prints per round the wall time of both runs and, from the tracked run's log.jsonl, the seconds
// spent tracking against the seconds of training steps; then the medians.
//
//   node bench/track.mjs [--config experiments/mnist-coarse.yaml] [--epochs 2] [--every 1]
//                        [--subset 2000] [--probes linear,knn] [--rounds 3] [--json]
//
// Needs the built CLI (`npm run build`). Run folders go to a temporary folder that is removed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    config: { type: 'string', default: 'experiments/mnist-coarse.yaml' },
    epochs: { type: 'string', default: '2' },
    every: { type: 'string', default: '1' },
    subset: { type: 'string', default: '2000' },
    probes: { type: 'string', default: 'linear,knn' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-bench-track-'));
const base = YAML.parse(fs.readFileSync(path.resolve(root, opts.config), 'utf8'));
const specs = {
  on: { ...base, track: { every: Number(opts.every), subset: Number(opts.subset), probes: opts.probes.split(',') } },
  off: { ...base, track: { every: 0 } },
};
for (const [k, s] of Object.entries(specs)) fs.writeFileSync(path.join(tmp, `${k}.yaml`), YAML.stringify(s));

/** One `cone pretrain` in a fresh folder: wall seconds, and the tracking cost its log recorded. */
function pretrain(which, round) {
  const out = path.join(tmp, `${which}-${round}`);
  const started = performance.now();
  const stdout = execFileSync(process.execPath, [path.join(root, 'bin/cone.js'), 'pretrain', '--config', path.join(tmp, `${which}.yaml`), '--epochs', opts.epochs, '--out', out, '--quiet'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const wall = (performance.now() - started) / 1000;
  const log = fs.readFileSync(path.join(stdout.trim(), 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const cost = log.find((l) => l.msg === 'tracking cost') ?? null;
  const training = log.filter((l) => l.msg === 'epoch').reduce((s, l) => s + l.seconds, 0);
  fs.rmSync(out, { recursive: true, force: true });
  return { wall, training, tracking: cost?.tracking_seconds ?? 0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rounds = [];
try {
  for (let r = 0; r < Number(opts.rounds); r++) {
    const order = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    const result = {};
    for (const which of order) result[which] = pretrain(which, r);
    const row = {
      round: r + 1,
      wall_on: result.on.wall,
      wall_off: result.off.wall,
      tracking_s: result.on.tracking,
      training_s: result.on.training,
      // In-process: tracking seconds over the training-step seconds of the same run.
      tracking_fraction: result.on.tracking / result.on.training,
      // Between processes: extra wall time of the tracked run over the untracked one.
      wall_overhead: result.on.wall / result.off.wall - 1,
    };
    rounds.push(row);
    if (!opts.json) process.stdout.write(`round ${row.round}: wall on ${row.wall_on.toFixed(1)} s, off ${row.wall_off.toFixed(1)} s (${(100 * row.wall_overhead).toFixed(1)}%); tracking ${row.tracking_s.toFixed(1)} s = ${(100 * row.tracking_fraction).toFixed(1)}% of ${row.training_s.toFixed(1)} s of training steps\n`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const summary = {
  config: opts.config, epochs: Number(opts.epochs), every: Number(opts.every), subset: Number(opts.subset), probes: opts.probes,
  median_tracking_fraction: median(rounds.map((r) => r.tracking_fraction)),
  median_wall_overhead: median(rounds.map((r) => r.wall_overhead)),
  median_tracking_seconds_per_epoch: median(rounds.map((r) => r.tracking_s)) / Math.ceil(Number(opts.epochs) / Number(opts.every)),
  rounds,
};
if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else process.stdout.write(`median over ${rounds.length} rounds: tracking ${(100 * summary.median_tracking_fraction).toFixed(1)}% of training-step time, wall overhead ${(100 * summary.median_wall_overhead).toFixed(1)}%\n`);
