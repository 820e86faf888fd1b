import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';

const PAD = 4;

/** One image's augmentation: a shift of the crop window (each within ±PAD) and a horizontal flip. */
export interface Crop {
  dy: number;
  dx: number;
  flip: boolean;
}

/** The crops of `count` images, drawn in image order (dy, dx, flip each): a batch's augmentation is its seed's. */
export function drawCrops(count: number, rng: Rng): Crop[] {
  return Array.from({ length: count }, () => ({
    dy: rng.int(2 * PAD + 1) - PAD,
    dx: rng.int(2 * PAD + 1) - PAD,
    flip: rng.next() < 0.5,
  }));
}

/**
 * The standard CIFAR augmentation: a random crop from the image zero-padded by 4 pixels, and a
 * horizontal flip with probability 1/2. Works on the raw HWC batch before it becomes a tensor.
 */
export function cropAndFlip<T extends Uint8Array | Float32Array>(
  images: T,
  count: number,
  shape: readonly number[],
  rng: Rng,
): T {
  const [h, w, c] = shape;
  const out = new (images.constructor as { new (n: number): T })(images.length);
  const size = h * w * c;
  for (const [n, { dy, dx, flip }] of drawCrops(count, rng).entries()) {
    const base = n * size;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx0 = x + dx;
        if (sx0 < 0 || sx0 >= w) continue;
        const sx = flip ? w - 1 - sx0 : sx0;
        const dst = base + (y * w + x) * c;
        const src = base + (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[dst + k] = images[src + k];
      }
    }
  }
  return out;
}

/**
 * cropAndFlip of a batch tensor [b, h, w, c] on its backend: zero-padded by PAD, then every output
 * pixel gathered from the padded batch. A gather copies values, so the batch equals cropAndFlip's,
 * converted; only b·(h + w) indices are uploaded, not the images. (One flat gather: tfjs-backend-wasm
 * 4.22's gather with batchDims reads out of bounds.)
 */
export function cropAndFlipTensor(x: tf.Tensor4D, crops: Crop[]): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [ph, pw] = [h + 2 * PAD, w + 2 * PAD];
  // Pixel (n, y, x) comes from padded pixel rowStart[n, y] + col[n, x] (flat over [b, ph, pw]);
  // a source outside the image lands in the zero border.
  const rowStart = new Int32Array(b * h);
  const col = new Int32Array(b * w);
  for (const [n, { dy, dx, flip }] of crops.entries()) {
    for (let y = 0; y < h; y++) rowStart[n * h + y] = (n * ph + y + dy + PAD) * pw;
    for (let i = 0; i < w; i++) col[n * w + i] = (flip ? w - 1 - (i + dx) : i + dx) + PAD;
  }
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [PAD, PAD],
      [PAD, PAD],
      [0, 0],
    ]);
    const at = tf.add(tf.tensor3d(rowStart, [b, h, 1], 'int32'), tf.tensor3d(col, [b, 1, w], 'int32'));
    return tf.gather(padded.reshape([b * ph * pw, c]), at.reshape([b * h * w])).reshape([b, h, w, c]) as tf.Tensor4D;
  });
}
