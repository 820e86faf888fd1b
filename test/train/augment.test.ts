import { describe, expect, it } from 'vitest';
import { cropAndFlip } from '../../src/train/augment.js';
import { Rng } from '../../src/util/rng.js';

const [H, W, C] = [6, 5, 2];
const value = (n: number, y: number, x: number, c: number) => 1 + n * 100 + y * 10 + x + c * 0.5;

function images(count: number): Float32Array {
  const out = new Float32Array(count * H * W * C);
  for (let n = 0; n < count; n++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[((n * H + y) * W + x) * C + c] = value(n, y, x, c);
  return out;
}

describe('cropAndFlip', () => {
  it('shifts each image by the drawn offset (zero padding outside) and mirrors it when drawn', () => {
    const count = 8;
    const out = cropAndFlip(images(count), count, [H, W, C], new Rng(3));
    // The same draws, in the order the augmentation makes them: dy, dx, flip per image.
    const draws = new Rng(3);
    for (let n = 0; n < count; n++) {
      const dy = draws.int(9) - 4;
      const dx = draws.int(9) - 4;
      const flip = draws.next() < 0.5;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const sy = y + dy;
          const sx0 = x + dx;
          const inside = sy >= 0 && sy < H && sx0 >= 0 && sx0 < W;
          const sx = flip ? W - 1 - sx0 : sx0;
          for (let c = 0; c < C; c++) expect(out[((n * H + y) * W + x) * C + c]).toBe(inside ? value(n, sy, sx, c) : 0);
        }
      }
    }
  });

  it('keeps the input type and is reproducible from the seed', () => {
    const bytes = Uint8Array.from(images(2), (v) => v % 256);
    const a = cropAndFlip(bytes, 2, [H, W, C], new Rng(1));
    expect(a).toBeInstanceOf(Uint8Array);
    expect(Array.from(cropAndFlip(bytes, 2, [H, W, C], new Rng(1)))).toEqual(Array.from(a));
  });
});
