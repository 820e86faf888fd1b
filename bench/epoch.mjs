#!/usr/bin/env node
// The wall time of one training epoch of ResNet-20 on images of CIFAR-10's shape (32x32x3), as
// the CIFAR-10 suites train it: a real `cone pretrain` of experiments/cifar10-coarse.yaml (the
// trainer, augmentation, the test evaluation after the epoch) with epochs 1 and no warm-up epochs.
// The images are the real CIFAR-10 training set when it is in the dataset cache (`cone datasets
// fetch cifar10`; $CONE_CACHE_DIR moves the cache), else random images of the same shape
// and count (50,000 train, 10,000 test), written as a cifar10 cache file under --out and removed
// after: the same reader, batches and kernels, so the time is the same but the accuracy is chance.
// Prints one JSON object: which data, how many images, the epoch's seconds and images/s (the
// trainer's own, metrics.csv: training steps only) and the command's wall seconds (with loading
// and evaluation).
//
//   node bench/epoch.mjs --out <folder> [--backend webgpu] [--batch 128] [--images N] [--test-images M]
//
//   --images N       train on a seeded class-balanced subset of N images (default: all 50,000)
//   --test-images M  evaluate on M test images (default: all 10,000)
//
// Needs the built CLI (`npm run build`). Exit status: 0 timed, 1 the run failed, 2 bad arguments.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SPEC = 'experiments/cifar10-coarse.yaml';
const TRAIN_IMAGES = 50_000;
const TEST_IMAGES = 10_000;
const CLASSES = 10;

function usage(message) {
  process.stderr.write(`epoch: ${message}\n`);
  process.stderr.write(
    'usage: node bench/epoch.mjs --out <folder> [--backend webgpu] [--batch 128] [--images N] [--test-images M]\n',
  );
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      out: { type: 'string' },
      backend: { type: 'string', default: 'webgpu' },
      batch: { type: 'string', default: '128' },
      images: { type: 'string' },
      'test-images': { type: 'string' },
    },
  }));
} catch (e) {
  usage(e.message);
}
if (!opts.out) usage('--out is required');
/** A count flag: a positive integer at most `max`, else a usage error naming the flag. */
function count(flag, value, max) {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) usage(`--${flag} must be an integer from 1 to ${max} (got ${value})`);
  return n;
}
const batch = count('batch', opts.batch, TRAIN_IMAGES);
const images = count('images', opts.images, TRAIN_IMAGES);
const testImages = count('test-images', opts['test-images'], TEST_IMAGES);
// The subsets are balanced over CIFAR-10's 10 classes and need one image of each (dataset.subset).
if ((images !== null && images < CLASSES) || (testImages !== null && testImages < CLASSES))
  usage(`--images and --test-images must be at least ${CLASSES}, one image of each class`);
if (batch > (images ?? TRAIN_IMAGES)) usage(`--batch ${batch} is more than the ${images ?? TRAIN_IMAGES} images`);

const { defaultCacheDir } = await import(path.join(root, 'dist/data/paths.js'));
const { CIFAR10_CACHE_FILE } = await import(path.join(root, 'dist/data/cifar10.js'));
const { writeSplitCache } = await import(path.join(root, 'dist/data/split-cache.js'));
const { readCsv } = await import(path.join(root, 'dist/io/csv.js'));

const out = path.resolve(opts.out);
fs.mkdirSync(out, { recursive: true });
const cached = path.join(defaultCacheDir(), CIFAR10_CACHE_FILE);
const real = fs.existsSync(cached);
let dataDir = path.dirname(cached);
if (!real) {
  // Random pixels, labels cycling over the classes (balanced, as the real set is).
  dataDir = path.join(out, 'synthetic-cifar10');
  fs.mkdirSync(dataDir, { recursive: true });
  const split = (n) => ({
    images: randomFillSync(new Uint8Array(n * 32 * 32 * 3)),
    labels: Int32Array.from({ length: n }, (_, i) => i % CLASSES),
  });
  writeSplitCache(path.join(dataDir, CIFAR10_CACHE_FILE), {
    shape: [32, 32, 3],
    numClasses: CLASSES,
    train: split(TRAIN_IMAGES),
    test: split(TEST_IMAGES),
  });
}

const args = [
  path.join(root, 'bin/cone.js'),
  'pretrain',
  '--config',
  path.join(root, SPEC),
  '--no-resume',
  '--quiet',
  '--epochs',
  '1',
  '--backend',
  opts.backend,
  '--out',
  path.join(out, 'runs'),
  `batch_size=${batch}`,
  `dataset.path=${JSON.stringify(dataDir)}`,
  // The spec warms the learning rate up over 2 epochs, which 1 epoch cannot hold; it costs no time.
  'schedule.warmup_epochs=0',
  ...(images === null ? [] : [`dataset.subset=${images}`]),
  ...(testImages === null ? [] : [`dataset.test_subset=${testImages}`]),
];
/** The test split's size from a cache file's header (split-cache.ts: n_test, a uint32 at byte 32). */
function testSplitSize(file) {
  const header = Buffer.alloc(36);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, header, 0, 36, 0);
  fs.closeSync(fd);
  return header.readUInt32LE(32);
}

const testCount = testImages ?? testSplitSize(path.join(dataDir, CIFAR10_CACHE_FILE));
const started = performance.now();
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let stdout = '';
child.stdout.on('data', (b) => (stdout += b));
const code = await new Promise((resolve) => child.on('close', resolve));
const wall = (performance.now() - started) / 1000;
if (!real) fs.rmSync(dataDir, { recursive: true, force: true });
if (code !== 0) {
  process.stderr.write(`epoch: cone pretrain exited with ${code}\n`);
  process.exit(1);
}

const runDir = stdout.trim().split('\n').pop();
const row = readCsv(path.join(runDir, 'metrics.csv')).at(-1);
const seconds = Number(row.seconds);
const perSecond = Number(row.images_per_s);
process.stdout.write(
  `${JSON.stringify({
    dataset: real ? 'cifar10' : 'synthetic',
    data: real ? cached : 'random images of 32x32x3, written as a cifar10 cache and removed',
    model: 'resnet20',
    spec: SPEC,
    backend: opts.backend,
    batch,
    // The trainer drops the last partial batch: these are the images the epoch trained on.
    images: Math.round(seconds * perSecond),
    test_images: testCount,
    epoch_seconds: seconds,
    images_per_s: perSecond,
    wall_seconds: wall,
    train_loss: Number(row.train_loss),
    test_accuracy: Number(row.test_accuracy),
    run_dir: runDir,
  })}\n`,
);
