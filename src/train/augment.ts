import type { Rng } from '../util/rng.js';

const PAD = 4;

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
  for (let n = 0; n < count; n++) {
    const dy = rng.int(2 * PAD + 1) - PAD;
    const dx = rng.int(2 * PAD + 1) - PAD;
    const flip = rng.next() < 0.5;
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
