// Winograd F(4×4, 3×3) (Lavin & Gray, interpolation points 0, ±1, ±2, ∞): a 3×3, stride-1 NHWC
// convolution computed per 4×4 block of outputs (a "tile") from the 6×6 input patch under it, with
// 36 multiplies per tile and channel pair where the direct convolution has 144 (4× fewer):
//   U = G g Gᵀ per (input, output) channel pair: the filter, once per call (`winogradFilter`);
//   V = Bᵀ d B per tile and input channel, M_k = V_k · U_k for each of the 36 positions k (a GEMM
//   [tiles × Cin] · [Cin × Cout]), y = Aᵀ M A + bias, then the activation, per tile and output
//   channel (`winogradConv2d`).
// Each transform is a row pass then a column pass over the 6×6 values, the second in place in the
// scratch (which stays in L1). Pointers are byte offsets into the imported memory; the scratch is a
// backend buffer laid out by the caller (src/backend/wasm-kernels/fused-conv2d.ts). Channels are
// padded there with zeros, input channels to whole f32x4 and output channels to whole 4×8 register
// tiles, so the GEMM has no remainder loops.
import { row4x8 } from './gemm-tiles';

/** Activations fused into the output transform, numbered as the caller passes them. */
const RELU: i32 = 1;
const RELU6: i32 = 2;

/** Matrices of the transformed filter, input and product: one per position of the 6×6 patch. */
const POSITIONS: i32 = 36;

@inline function paddedIn(cin: i32): i32 {
  return (cin + 3) & ~3;
}

@inline function paddedOut(cout: i32): i32 {
  return (cout + 7) & ~7;
}

/** The first `count` (0–4) floats at p, zeros in the other lanes. */
@inline function loadLanes(p: usize, count: i32): v128 {
  if (count >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  if (count > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the first `count` (1–4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** G·(a, b, c) for G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1], stored at p + i·stride. */
@inline function storeG(p: usize, stride: usize, a: v128, b: v128, c: v128): void {
  const ac = f32x4.mul(f32x4.add(a, c), f32x4.splat(-1.0 / 6.0));
  const b6 = f32x4.mul(b, f32x4.splat(-1.0 / 6.0));
  const a24c6 = f32x4.add(f32x4.mul(a, f32x4.splat(1.0 / 24.0)), f32x4.mul(c, f32x4.splat(1.0 / 6.0)));
  const b12 = f32x4.mul(b, f32x4.splat(1.0 / 12.0));
  v128.store(p, f32x4.mul(a, f32x4.splat(0.25)));
  v128.store(p + stride, f32x4.add(ac, b6));
  v128.store(p + 2 * stride, f32x4.sub(ac, b6));
  v128.store(p + 3 * stride, f32x4.add(a24c6, b12));
  v128.store(p + 4 * stride, f32x4.sub(a24c6, b12));
  v128.store(p + 5 * stride, c);
}

/**
 * Bᵀ·(d0 … d5) for Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0;
 * 0 4 0 −5 0 1], stored at p + i·stride.
 */
@inline function storeBt(p: usize, stride: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const e = f32x4.sub(d4, f32x4.mul(four, d2));
  const f = f32x4.sub(d3, f32x4.mul(four, d1));
  const g = f32x4.sub(d4, d2);
  const k = f32x4.mul(f32x4.sub(d3, d1), f32x4.splat(2));
  v128.store(p, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(p + stride, f32x4.add(e, f));
  v128.store(p + 2 * stride, f32x4.sub(e, f));
  v128.store(p + 3 * stride, f32x4.add(g, k));
  v128.store(p + 4 * stride, f32x4.sub(g, k));
  v128.store(p + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** Aᵀ·(m0 … m5) for Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1], stored at p + i·stride. */
@inline function storeAt(p: usize, stride: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): void {
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(p, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(p + stride, f32x4.add(d12, f32x4.mul(d34, f32x4.splat(2))));
  v128.store(p + 2 * stride, f32x4.add(s12, f32x4.mul(s34, f32x4.splat(4))));
  v128.store(p + 3 * stride, f32x4.add(f32x4.add(d12, f32x4.mul(d34, f32x4.splat(8))), m5));
}

/** The six vectors at p + i·stride (one row or column of 6×6 values in place). */
@inline function load6(p: usize, stride: usize, i: i32): v128 {
  return v128.load(p + <usize>i * stride);
}

/**
 * U[k][c][o] = (G g[·, ·, c, o] Gᵀ)[k] for the HWIO 3×3 filter g, as 36 matrices [Cin′ × Cout′]
 * (padded rows and columns zero). A unit is a (padded) input channel: it writes its own row of
 * every matrix.
 */
export function winogradFilter(filter: usize, u: usize, cin: i32, cout: i32, u0: i32, u1: i32): void {
  const coutp = paddedOut(cout);
  const matrix = <usize>(paddedIn(cin) * coutp) << 2;
  const tapStep = <usize>(cin * cout) << 2;
  for (let c = u0; c < u1; c++) {
    for (let o = 0; o < coutp; o += 4) {
      const count = c < cin ? min(4, cout - o) : 0;
      const g = filter + (<usize>(c * cout + o) << 2);
      const dst = u + (<usize>(c * coutp + o) << 2);
      // G g per filter column j, into positions (0…5, j).
      for (let j = 0; j < 3; j++) {
        const col = g + <usize>j * tapStep;
        storeG(
          dst + <usize>j * matrix,
          6 * matrix,
          loadLanes(col, count),
          loadLanes(col + 3 * tapStep, count),
          loadLanes(col + 6 * tapStep, count),
        );
      }
      // Then · Gᵀ per row, in place.
      for (let r = 0; r < 6; r++) {
        const row = dst + <usize>(6 * r) * matrix;
        storeG(row, matrix, load6(row, matrix, 0), load6(row, matrix, 1), load6(row, matrix, 2));
      }
    }
  }
}

/**
 * The convolution proper. A unit is one of `slices` contiguous ranges of the N·⌈Ho/4⌉·⌈Wo/4⌉ tiles,
 * and owns slot `unit` of the scratch (`slot` bytes from `scratch`: V, 36 matrices [blockTiles ×
 * Cin′] `vStride` bytes apart, then M, 36 matrices [blockTiles × Cout′] `mStride` bytes apart),
 * so threads given disjoint unit ranges write disjoint scratch and output. The tiles go through in
 * blocks of `blockTiles` (a multiple of 4), so a block's V and M stay in cache from the input
 * transform through the GEMM to the output transform.
 */
export function winogradConv2d(
  x: usize, u: usize, bias: usize, y: usize, scratch: usize,
  n: i32, h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32, pt: i32, pl: i32,
  hasBias: i32, activation: i32,
  blockTiles: i32, slices: i32, slot: usize, vStride: usize, mStride: usize,
  u0: i32, u1: i32,
): void {
  const cinp = paddedIn(cin);
  const coutp = paddedOut(cout);
  const tilesW = (wo + 3) >> 2;
  const perImage = ((ho + 3) >> 2) * tilesW;
  const tiles = n * perImage;
  const uMatrix = <usize>(cinp * coutp) << 2;
  for (let s = u0; s < u1; s++) {
    const v = scratch + <usize>s * slot;
    const m = v + <usize>POSITIONS * vStride;
    const end = <i32>((<i64>tiles * (s + 1)) / slices);
    for (let t0 = <i32>((<i64>tiles * s) / slices); t0 < end; t0 += blockTiles) {
      const count = min(blockTiles, end - t0);
      const rows = (count + 3) & ~3;
      // Input transform; rows beyond `count` (up to the next multiple of 4) are zero tiles.
      for (let r = 0; r < rows; r++) {
        const tile = t0 + r;
        const img = tile / perImage;
        const ty = (tile - img * perImage) / tilesW;
        const tx = tile - img * perImage - ty * tilesW;
        inputTile(x, v + (<usize>(r * cinp) << 2), vStride, r < count ? img : -1, h, w, cin, 4 * ty - pt, 4 * tx - pl);
      }
      // The 36 GEMMs, each [rows × Cin′] · [Cin′ × Cout′] in 4×8 register tiles.
      for (let k = 0; k < POSITIONS; k++) {
        const vk = v + <usize>k * vStride;
        const mk = m + <usize>k * mStride;
        const uk = u + <usize>k * uMatrix;
        for (let o = 0; o < coutp; o += 8) {
          for (let q = 0; q < rows; q += 4) {
            row4x8(
              vk + (<usize>(q * cinp) << 2), uk + (<usize>o << 2), mk + (<usize>(q * coutp + o) << 2),
              4, <usize>coutp << 2, cinp, <usize>cinp << 2, <usize>coutp << 2, false,
            );
          }
        }
      }
      for (let r = 0; r < count; r++) {
        const tile = t0 + r;
        const img = tile / perImage;
        const ty = (tile - img * perImage) / tilesW;
        const tx = tile - img * perImage - ty * tilesW;
        outputTile(m + (<usize>(r * coutp) << 2), mStride, bias, hasBias, activation, y, img, ho, wo, cout, 4 * ty, 4 * tx);
      }
    }
  }
}

/**
 * V[k][tile][c] = (Bᵀ d B)[k] for the 6×6 patch d of x at rows y0…y0+5, columns x0…x0+5 of image
 * `img` (zeros outside the image, and everywhere for img < 0); `dst` is the tile's row of V_0, the
 * 36 matrices `stride` bytes apart.
 */
function inputTile(
  x: usize, dst: usize, stride: usize, img: i32, h: i32, w: i32, cin: i32, y0: i32, x0: i32,
): void {
  const pixel = <usize>cin << 2;
  const zero = f32x4.splat(0);
  const s6 = 6 * stride;
  for (let c = 0; c < cin; c += 4) {
    const count = min(4, cin - c);
    const base = x + (<usize>(((img * h + y0) * w + x0) * cin + c) << 2);
    const p = dst + (<usize>c << 2);
    // Bᵀ along each patch row i, into positions (i, 0…5).
    for (let i = 0; i < 6; i++) {
      const inside = img >= 0 && <u32>(y0 + i) < <u32>h;
      const row = base + <usize>(i * w) * pixel;
      storeBt(
        p + <usize>i * s6,
        stride,
        inside && <u32>x0 < <u32>w ? loadLanes(row, count) : zero,
        inside && <u32>(x0 + 1) < <u32>w ? loadLanes(row + pixel, count) : zero,
        inside && <u32>(x0 + 2) < <u32>w ? loadLanes(row + 2 * pixel, count) : zero,
        inside && <u32>(x0 + 3) < <u32>w ? loadLanes(row + 3 * pixel, count) : zero,
        inside && <u32>(x0 + 4) < <u32>w ? loadLanes(row + 4 * pixel, count) : zero,
        inside && <u32>(x0 + 5) < <u32>w ? loadLanes(row + 5 * pixel, count) : zero,
      );
    }
    // Then Bᵀ down each column, in place.
    for (let j = 0; j < 6; j++) {
      const q = p + <usize>j * stride;
      storeBt(q, s6, load6(q, s6, 0), load6(q, s6, 1), load6(q, s6, 2), load6(q, s6, 3), load6(q, s6, 4), load6(q, s6, 5));
    }
  }
}

/**
 * y[img, y0 + i, x0 + j, :] = (Aᵀ M A)[i, j] + bias, then the activation, for the 4×4 outputs inside
 * the image; `src` is the tile's row of M_0, the 36 matrices `stride` bytes apart (overwritten).
 */
function outputTile(
  src: usize, stride: usize, bias: usize, hasBias: i32, activation: i32,
  y: usize, img: i32, ho: i32, wo: i32, cout: i32, y0: i32, x0: i32,
): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  const pixel = <usize>cout << 2;
  const s6 = 6 * stride;
  const rows = min(4, ho - y0);
  const cols = min(4, wo - x0);
  for (let o = 0; o < cout; o += 4) {
    const count = min(4, cout - o);
    const p = src + (<usize>o << 2);
    // Aᵀ down each column, into positions (0…3, j).
    for (let j = 0; j < 6; j++) {
      const q = p + <usize>j * stride;
      storeAt(q, s6, load6(q, s6, 0), load6(q, s6, 1), load6(q, s6, 2), load6(q, s6, 3), load6(q, s6, 4), load6(q, s6, 5));
    }
    const beta = hasBias ? loadLanes(bias + (<usize>o << 2), count) : zero;
    for (let i = 0; i < rows; i++) {
      // Then Aᵀ along row i, into positions (i, 0…3), and out.
      const q = p + <usize>i * s6;
      storeAt(q, stride, load6(q, stride, 0), load6(q, stride, 1), load6(q, stride, 2), load6(q, stride, 3), load6(q, stride, 4), load6(q, stride, 5));
      const at = y + (<usize>(((img * ho + y0 + i) * wo + x0) * cout + o) << 2);
      for (let j = 0; j < cols; j++) {
        storeLanes(at + <usize>j * pixel, activate(f32x4.add(load6(q, stride, j), beta), activation, zero, six), count);
      }
    }
  }
}

@inline function activate(v: v128, activation: i32, zero: v128, six: v128): v128 {
  if (activation == RELU) return f32x4.max(v, zero);
  if (activation == RELU6) return f32x4.min(f32x4.max(v, zero), six);
  return v;
}
