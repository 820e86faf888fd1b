// Batch-norm passes over [rows, c] float32 data (channels innermost), in place on the tfjs wasm
// backend's heap. Work units are blocks of 4 channels, so threads given disjoint unit ranges
// [u0, u1) write disjoint channels; rows are walked in blocks that stay in L1 while each 4-channel
// column of the block is processed.

/** Rows per block: 64 rows of 64 channels are 16 KiB per tensor. */
const BLOCK_ROWS: i32 = 64;

/** y = x·k + shift, k and shift per channel (one pass where broadcasting multiply + add take two). */
export function batchNormForward(x: usize, k: usize, shift: usize, y: usize, rows: i32, c: i32, u0: i32, u1: i32): void {
  const c0 = u0 << 2;
  const c1 = min(c, u1 << 2);
  const rowBytes = <usize>c << 2;
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = min(rows, r0 + BLOCK_ROWS);
    let ch = c0;
    for (; ch + 4 <= c1; ch += 4) {
      const off = <usize>ch << 2;
      const kv = v128.load(k + off);
      const sv = v128.load(shift + off);
      let p = (<usize>r0 * rowBytes) + off;
      for (let r = r0; r < r1; r++) {
        v128.store(y + p, f32x4.add(f32x4.mul(v128.load(x + p), kv), sv));
        p += rowBytes;
      }
    }
    for (; ch < c1; ch++) {
      const off = <usize>ch << 2;
      const kv = load<f32>(k + off);
      const sv = load<f32>(shift + off);
      let p = (<usize>r0 * rowBytes) + off;
      for (let r = r0; r < r1; r++) {
        store<f32>(y + p, load<f32>(x + p) * kv + sv);
        p += rowBytes;
      }
    }
  }
}

/**
 * The gradient pass of y = (x − μ)·k + β: dx = dy·k, and per channel sumDy = Σ dy and
 * sumDyCentred = Σ dy·(x − μ) over the rows, reading x and dy once.
 */
export function batchNormBackward(
  x: usize, dy: usize, mean: usize, k: usize, dx: usize, sumDy: usize, sumDyCentred: usize,
  rows: i32, c: i32, u0: i32, u1: i32,
): void {
  const c0 = u0 << 2;
  const c1 = min(c, u1 << 2);
  memory.fill(sumDy + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  memory.fill(sumDyCentred + (<usize>c0 << 2), 0, <usize>(c1 - c0) << 2);
  const rowBytes = <usize>c << 2;
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = min(rows, r0 + BLOCK_ROWS);
    let ch = c0;
    for (; ch + 4 <= c1; ch += 4) {
      const off = <usize>ch << 2;
      const mv = v128.load(mean + off);
      const kv = v128.load(k + off);
      let s = f32x4.splat(0);
      let sc = f32x4.splat(0);
      let p = (<usize>r0 * rowBytes) + off;
      for (let r = r0; r < r1; r++) {
        const d = v128.load(dy + p);
        s = f32x4.add(s, d);
        sc = f32x4.add(sc, f32x4.mul(d, f32x4.sub(v128.load(x + p), mv)));
        v128.store(dx + p, f32x4.mul(d, kv));
        p += rowBytes;
      }
      v128.store(sumDy + off, f32x4.add(v128.load(sumDy + off), s));
      v128.store(sumDyCentred + off, f32x4.add(v128.load(sumDyCentred + off), sc));
    }
    for (; ch < c1; ch++) {
      const off = <usize>ch << 2;
      const m = load<f32>(mean + off);
      const kk = load<f32>(k + off);
      let s: f32 = 0;
      let sc: f32 = 0;
      let p = (<usize>r0 * rowBytes) + off;
      for (let r = r0; r < r1; r++) {
        const d = load<f32>(dy + p);
        s += d;
        sc += d * (load<f32>(x + p) - m);
        store<f32>(dx + p, d * kk);
        p += rowBytes;
      }
      store<f32>(sumDy + off, load<f32>(sumDy + off) + s);
      store<f32>(sumDyCentred + off, load<f32>(sumDyCentred + off) + sc);
    }
  }
}
