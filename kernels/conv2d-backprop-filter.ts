// Filter gradient of an NHWC convolution, computed in place on the tfjs wasm backend's heap:
//   dw[i, j, c, o] = Σ_{n,p,q} x[n, p·sh + i − pt, q·sw + j − pl, c] · dy[n, p, q, o]
// a GEMM over the N·Ho·Wo output pixels that reads x and dy where they lie (no transpose, no
// packing). Pointers are byte offsets into the imported memory; nothing else is allocated.

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
            else if (cn == 4) row4x8(a, b, out, xStep, dyStep, qhi - qlo, <usize>cout << 2);
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

/** out[0..4, 0..8] (row stride ldo bytes) += Σ_k a[k, 0..4] ⊗ b[k, 0..8] over k < count. */
function row4x8(a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32, ldo: usize): void {
  let c00 = v128.load(out), c01 = v128.load(out, 16);
  let c10 = v128.load(out + ldo), c11 = v128.load(out + ldo, 16);
  let c20 = v128.load(out + 2 * ldo), c21 = v128.load(out + 2 * ldo, 16);
  let c30 = v128.load(out + 3 * ldo), c31 = v128.load(out + 3 * ldo, 16);
  for (let k = 0; k < count; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
    a += aStep;
    b += bStep;
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out + ldo, c10); v128.store(out + ldo, c11, 16);
  v128.store(out + 2 * ldo, c20); v128.store(out + 2 * ldo, c21, 16);
  v128.store(out + 3 * ldo, c30); v128.store(out + 3 * ldo, c31, 16);
}

/** out[0..8] += Σ_k a[k] · b[k, 0..8]: an input-channel remainder (cin not a multiple of 4). */
function row1x8(a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32): void {
  let c0 = v128.load(out), c1 = v128.load(out, 16);
  for (let k = 0; k < count; k++) {
    const s = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(s, v128.load(b)));
    c1 = f32x4.add(c1, f32x4.mul(s, v128.load(b, 16)));
    a += aStep;
    b += bStep;
  }
  v128.store(out, c0);
  v128.store(out, c1, 16);
}

/** out[0] += Σ_k a[k] · b[k]: an output-channel remainder (cout not a multiple of 8). */
function row1x1(a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32): void {
  let acc = load<f32>(out);
  for (let k = 0; k < count; k++) {
    acc += load<f32>(a) * load<f32>(b);
    a += aStep;
    b += bStep;
  }
  store<f32>(out, acc);
}
