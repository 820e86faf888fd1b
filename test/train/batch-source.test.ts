import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import type { TrainTask } from '../../src/data/task.js';
import { batchSource, defaultBatchPlace } from '../../src/train/batch-source.js';
import { Rng } from '../../src/util/rng.js';
import { trainDirect } from '../helpers/train-direct.js';
import { missingWebgpu } from '../helpers/webgpu.js';

/** A task of n random images [h, w, c]: bytes (as real datasets) or float32 values (as synthetic ones). */
function task(n: number, shape: number[], bytes: boolean): TrainTask {
  const rng = new Rng(n);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n * size }, () => (bytes ? rng.int(256) : rng.next() * 4 - 2));
  const images = bytes ? Uint8Array.from(values) : Float32Array.from(values);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const split = { images, fine: labels, coarse: labels, n };
  return { train: split, trainLabels: labels, test: split, testLabels: labels, shape, numClasses: 3 };
}

/** Host and device batches of the same indices and augmentation seeds hold the same numbers, bit for bit. */
async function expectSameBatches(t: TrainTask, augment: boolean): Promise<void> {
  const before = tf.memory().numTensors;
  const host = batchSource(t, 'host');
  const device = batchSource(t, 'device');
  const order = new Rng(1).permutation(t.train.n);
  for (let k = 0; k < 4; k++) {
    const idx = order.slice(k * 8, (k + 1) * 8);
    const seed = `7:${k}`;
    const a = host.batch(idx, augment ? new Rng(seed) : null);
    const b = device.batch(idx, augment ? new Rng(seed) : null);
    expect(b.x.shape).toEqual(a.x.shape);
    expect(Array.from(await b.x.data())).toEqual(Array.from(await a.x.data()));
    expect(Array.from(await b.y.data())).toEqual(Array.from(await a.y.data()));
    tf.dispose([a.x, a.y, b.x, b.y]);
  }
  host.dispose();
  device.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

function batchTests(backend: 'wasm' | 'webgpu'): void {
  it('gathers the same batches on the device as the host converts (bytes and floats, cropped and flipped)', async () => {
    for (const bytes of [true, false]) {
      await expectSameBatches(task(40, [6, 5, 2], bytes), true);
      await expectSameBatches(task(40, [7], bytes), false);
    }
  });

  it(`makes batches ${backend === 'webgpu' ? 'on the device' : 'on the host'} by default`, () => {
    expect(defaultBatchPlace(task(40, [6, 5, 2], true))).toBe(backend === 'webgpu' ? 'device' : 'host');
  });
}

describe('batch sources on wasm', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-batches-wasm-'));
  beforeAll(() => initBackend({ backend: 'wasm' }));
  batchTests('wasm');

  it('trains an augmented image network to the same metrics and weights from device batches as from host ones', async () => {
    const changes = {
      dataset: { synthetic: { dim: 64, image: true } },
      model: { name: 'resnet8', feature_dim: 8, width: 0.25 },
      augment: true,
      epochs: 2,
    };
    const host = await trainDirect(root, changes, { batches: 'host' });
    const device = await trainDirect(root, changes, { batches: 'device' });
    expect(device.metrics).toEqual(host.metrics);
    expect(device.weights).toEqual(host.weights);
    expect([host.leaked, device.leaked]).toEqual([0, 0]);
  });
});

describe.skipIf(missingWebgpu())('batch sources on webgpu', () => {
  beforeAll(() => initBackend({ backend: 'webgpu' }));
  batchTests('webgpu');
});
