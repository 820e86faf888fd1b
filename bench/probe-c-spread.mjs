#!/usr/bin/env node
// How much does the tuned linear probe's choice of C, and its test accuracy, depend on the seed of its
// validation folds alone? Runs the probe of this build (dist/) on one run's extracted features under
// seeds 0..n-1 and prints one JSON line per seed (C, test accuracy, mean validation accuracy, seconds).
// Numbers in docs/design.md §8 (linear probes): this script at the commit that introduced it and, for
// the single 20% split before it, the same loop over that commit's parent's dist/.
//
//   npm run build && node bench/probe-c-spread.mjs --features results/<run>/features [--seeds 10]
//                                                  [--level fine|coarse] [--map l2|std] [--threads 1]
import { parseArgs } from 'node:util';
import { initBackend } from '../dist/backend/select.js';
import { tunedLinearProbe } from '../dist/eval/probes/linear-tuned.js';
import { readNpy } from '../dist/io/npy.js';

const { values: opts } = parseArgs({
  options: {
    features: { type: 'string' },
    seeds: { type: 'string', default: '10' },
    level: { type: 'string', default: 'fine' },
    map: { type: 'string', default: 'l2' },
    threads: { type: 'string', default: '1' },
  },
});
if (!opts.features) throw new Error('--features <run>/features is required');
await initBackend({ backend: 'wasm', threads: Number(opts.threads) });
const load = (split) => {
  const x = readNpy(`${opts.features}/${split}.npy`);
  const y = readNpy(`${opts.features}/${split}.${opts.level}.npy`);
  return { features: { data: x.data, n: x.shape[0], d: x.shape[1] }, labels: Int32Array.from(y.data) };
};
const train = load('train');
const test = load('test');
const K = Math.max(...train.labels) + 1;
for (let seed = 0; seed < Number(opts.seeds); seed++) {
  const start = Date.now();
  const r = tunedLinearProbe(train, test, K, { features: opts.map, seed });
  const { C, C_edge, val_accuracy } = r.settings;
  console.log(JSON.stringify({ seed, C, test_accuracy: r.accuracy, val_accuracy, C_edge, seconds: (Date.now() - start) / 1000 }));
}
