// Filter gradient of an NHWC convolution, computed in place on the tfjs wasm backend's heap:
//   dw[i, j, c, o] = Σ_{n,p,q} x[n, p·sh + i − pt, q·sw + j − pl, c] · dy[n, p, q, o]
// a GEMM over the N·Ho·Wo output pixels that reads x and dy where they lie (no transpose, no
// packing). Pointers are byte offsets into the imported memory; nothing else is allocated.
import { row1x1, row1x8, row4x8 } from './gemm-tiles';

/** Output pixels per K-block: the block's dy and x rows stay in cache while every tile reads them. */
const BLOCK_PIXELS: i32 = 256;

/**
 * The work is kh·kw·⌈cin/4⌉ units (filter tap, block of 4 input channels); each unit owns its rows of
 * dw, so threads given disjoint unit ranges [u0, u1) never write the same memory.
 */
export function conv2dBackpropFilter(
  x: usize, dy: usize, dw: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32,
  u0: i32, u1: i32,
): void {
  const cblocks = (cin + 3) >> 2;
  for (let u = u0; u < u1; u++) {
    const c0 = (u % cblocks) << 2;
    const tap = u / cblocks;
    memory.fill(dw + ((<usize>(tap * cin + c0) * cout) << 2), 0, <usize>(min(4, cin - c0) * cout) << 2);
  }
  const rows = n * ho;
  const block = max(1, BLOCK_PIXELS / wo);
  const xStep = <usize>(sw * cin) << 2;
  const dyStep = <usize>cout << 2;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = min(rows, r0 + block);
    for (let u = u0; u < u1; u++) {
      const c0 = (u % cblocks) << 2;
      const tap = u / cblocks;
      const i = tap / kw;
      const j = tap % kw;
      // Output columns [qlo, qhi) read input columns q·sw + j − pl inside the image.
      const qlo = max(0, ceilDiv(pl - j, sw));
      const qhi = min(wo, floorDiv(w - 1 + pl - j, sw) + 1);
      if (qhi <= qlo) continue;
      const col0 = qlo * sw + j - pl;
      const cn = min(4, cin - c0);
      const dwRows = dw + ((<usize>(tap * cin + c0) * cout) << 2);
      // One pass per tile over the block's rows whose input row p·sh + i − pt is inside the image.
      for (let o = 0; o < cout; ) {
        const wide = o + 8 <= cout;
        for (let c = 0; c < cn; c += wide && cn == 4 ? 4 : 1) {
          const out = dwRows + (<usize>(c * cout + o) << 2);
          for (let r = r0; r < r1; r++) {
            const img = r / ho;
            const y = (r - img * ho) * sh + i - pt;
            if (<u32>y >= <u32>h) continue;
            const a = x + (<usize>(((img * h + y) * w + col0) * cin + c0 + c) << 2);
            const b = dy + (<usize>((r * wo + qlo) * cout + o) << 2);
            if (!wide) row1x1(a, b, out, xStep, dyStep, qhi - qlo);
            else if (cn == 4) row4x8(a, b, out, xStep, dyStep, qhi - qlo, 4, <usize>cout << 2, true);
            else row1x8(a, b, out, xStep, dyStep, qhi - qlo);
          }
        }
        o += wide ? 8 : 1;
      }
    }
  }
}

@inline function ceilDiv(a: i32, b: i32): i32 {
  return a > 0 ? (a + b - 1) / b : -(-a / b);
}

@inline function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
