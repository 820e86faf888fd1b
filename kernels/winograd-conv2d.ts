// Winograd F(2×2, 3×3): a 3×3, stride-1 NHWC convolution computed per 2×2 block of outputs (a
// "tile") from the 4×4 input patch under it, with 16 multiplies per tile and channel pair where the
// direct convolution has 36 (2.25× fewer):
//   U = G g Gᵀ per (input, output) channel pair: the filter, once per call (`winogradFilter`);
//   V = Bᵀ d B per tile and input channel, M_k = V_k · U_k for each of the 16 positions k (a GEMM
//   [tiles × Cin] · [Cin × Cout]), y = Aᵀ M A + bias, then the activation, per tile and output
//   channel (`winogradConv2d`).
// Pointers are byte offsets into the imported memory; the scratch is a backend buffer laid out by
// the caller (src/backend/wasm-kernels/fused-conv2d.ts). Channels are padded there with zeros, input
// channels to whole f32x4 and output channels to whole 4×8 register tiles, so the GEMM has no
// remainder loops.
import { row4x8 } from './gemm-tiles';

/** Activations fused into the output transform, numbered as the caller passes them. */
const RELU: i32 = 1;
const RELU6: i32 = 2;

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

/** (a, (a + b + c)/2, (a − b + c)/2, c), one row or column of G·g, stored at p + i·stride. */
@inline function storeG(p: usize, stride: usize, a: v128, b: v128, c: v128): void {
  const half = f32x4.splat(0.5);
  const ac = f32x4.add(a, c);
  v128.store(p, a);
  v128.store(p + stride, f32x4.mul(f32x4.add(ac, b), half));
  v128.store(p + 2 * stride, f32x4.mul(f32x4.sub(ac, b), half));
  v128.store(p + 3 * stride, c);
}

/** (a − c, b + c, c − b, b − d): Bᵀ applied to one row or column of a patch, stored at p + i·stride. */
@inline function storeBt(p: usize, stride: usize, a: v128, b: v128, c: v128, d: v128): void {
  v128.store(p, f32x4.sub(a, c));
  v128.store(p + stride, f32x4.add(b, c));
  v128.store(p + 2 * stride, f32x4.sub(c, b));
  v128.store(p + 3 * stride, f32x4.sub(b, d));
}

/**
 * U[k][c][o] = (G g[·, ·, c, o] Gᵀ)[k] for the HWIO 3×3 filter g, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 * as 16 matrices [Cin′ × Cout′] (padded rows and columns zero) of `matrix` bytes each. A unit is a
 * (padded) input channel: it writes its own row of every matrix.
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
      // G g per filter column, into U's rows 0–3 at columns 0–2 (U's column 3 is scratch until the row pass).
      for (let j = 0; j < 3; j++) {
        const col = g + <usize>j * tapStep;
        storeG(
          dst + <usize>j * matrix,
          4 * matrix,
          loadLanes(col, count),
          loadLanes(col + 3 * tapStep, count),
          loadLanes(col + 6 * tapStep, count),
        );
      }
      // Then · Gᵀ per row, in place.
      for (let r = 0; r < 4; r++) {
        const row = dst + <usize>(4 * r) * matrix;
        storeG(row, matrix, v128.load(row), v128.load(row + matrix), v128.load(row + 2 * matrix));
      }
    }
  }
}

/**
 * The convolution proper. A unit is one of `slices` contiguous ranges of the N·⌈Ho/2⌉·⌈Wo/2⌉ tiles,
 * and owns slot `unit` of the scratch (`slot` bytes from `scratch`: V, 16 matrices [blockTiles ×
 * Cin′] `vStride` bytes apart, then M, 16 matrices [blockTiles × Cout′] `mStride` bytes apart),
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
  const tilesW = (wo + 1) >> 1;
  const perImage = ((ho + 1) >> 1) * tilesW;
  const tiles = n * perImage;
  const uMatrix = <usize>(cinp * coutp) << 2;
  for (let s = u0; s < u1; s++) {
    const v = scratch + <usize>s * slot;
    const m = v + 16 * vStride;
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
        inputTile(x, v + (<usize>(r * cinp) << 2), vStride, r < count ? img : -1, h, w, cin, 2 * ty - pt, 2 * tx - pl);
      }
      // The 16 GEMMs, each [rows × Cin′] · [Cin′ × Cout′] in 4×8 register tiles.
      for (let k = 0; k < 16; k++) {
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
        outputTile(m + (<usize>(r * coutp) << 2), mStride, bias, hasBias, activation, y, img, ho, wo, cout, 2 * ty, 2 * tx);
      }
    }
  }
}

/**
 * V[k][tile][c] = (Bᵀ d B)[k] for the 4×4 patch d of x at rows y0…y0+3, columns x0…x0+3 of image
 * `img` (zeros outside the image, and everywhere for img < 0), Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0;
 * 0 1 0 −1]; `dst` is the tile's row of V_0, the 16 matrices `stride` bytes apart.
 */
function inputTile(
  x: usize, dst: usize, stride: usize, img: i32, h: i32, w: i32, cin: i32, y0: i32, x0: i32,
): void {
  const pixel = <usize>cin << 2;
  for (let c = 0; c < cin; c += 4) {
    const count = min(4, cin - c);
    const base = x + (<usize>(((img * h + y0) * w + x0) * cin + c) << 2);
    // d · B per patch row, into V's positions (i, 0…3).
    for (let i = 0; i < 4; i++) {
      const inside = img >= 0 && <u32>(y0 + i) < <u32>h;
      const row = base + <usize>(i * w) * pixel;
      const p = dst + (<usize>c << 2) + <usize>(4 * i) * stride;
      storeBt(
        p,
        stride,
        inside && <u32>x0 < <u32>w ? loadLanes(row, count) : f32x4.splat(0),
        inside && <u32>(x0 + 1) < <u32>w ? loadLanes(row + pixel, count) : f32x4.splat(0),
        inside && <u32>(x0 + 2) < <u32>w ? loadLanes(row + 2 * pixel, count) : f32x4.splat(0),
        inside && <u32>(x0 + 3) < <u32>w ? loadLanes(row + 3 * pixel, count) : f32x4.splat(0),
      );
    }
    // Then Bᵀ · per column, in place.
    for (let j = 0; j < 4; j++) {
      const p = dst + (<usize>c << 2) + <usize>j * stride;
      storeBt(p, 4 * stride, v128.load(p), v128.load(p + 4 * stride), v128.load(p + 8 * stride), v128.load(p + 12 * stride));
    }
  }
}

/**
 * y[img, y0 + i, x0 + j, :] = (Aᵀ M A)[i, j] + bias, then the activation, for the 2×2 outputs inside
 * the image, Aᵀ = [1 1 1 0; 0 1 −1 −1]; `src` is the tile's row of M_0, the 16 matrices `stride`
 * bytes apart.
 */
function outputTile(
  src: usize, stride: usize, bias: usize, hasBias: i32, activation: i32,
  y: usize, img: i32, ho: i32, wo: i32, cout: i32, y0: i32, x0: i32,
): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  const pixel = <usize>cout << 2;
  const out = y + (<usize>(((img * ho + y0) * wo + x0) * cout) << 2);
  const down = y0 + 1 < ho;
  const right = x0 + 1 < wo;
  for (let o = 0; o < cout; o += 4) {
    const count = min(4, cout - o);
    const p = src + (<usize>o << 2);
    // Aᵀ · per column j: a_j = m0j + m1j + m2j, b_j = m1j − m2j − m3j.
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
    for (let j = 0; j < 4; j++) {
      const q = p + <usize>j * stride;
      const m1 = v128.load(q + 4 * stride);
      const m2 = v128.load(q + 8 * stride);
      const a = f32x4.add(f32x4.add(v128.load(q), m1), m2);
      const b = f32x4.sub(f32x4.sub(m1, m2), v128.load(q + 12 * stride));
      if (j == 0) { a0 = a; b0 = b; }
      else if (j == 1) { a1 = a; b1 = b; }
      else if (j == 2) { a2 = a; b2 = b; }
      else { a3 = a; b3 = b; }
    }
    // · A per row, + bias, activation.
    const beta = hasBias ? loadLanes(bias + (<usize>o << 2), count) : zero;
    const at = out + (<usize>o << 2);
    storeLanes(at, activate(f32x4.add(f32x4.add(f32x4.add(a0, a1), a2), beta), activation, zero, six), count);
    if (right) storeLanes(at + pixel, activate(f32x4.add(f32x4.sub(f32x4.sub(a1, a2), a3), beta), activation, zero, six), count);
    if (down) {
      const below = at + <usize>wo * pixel;
      storeLanes(below, activate(f32x4.add(f32x4.add(f32x4.add(b0, b1), b2), beta), activation, zero, six), count);
      if (right) storeLanes(below + pixel, activate(f32x4.add(f32x4.sub(f32x4.sub(b1, b2), b3), beta), activation, zero, six), count);
    }
  }
}

@inline function activate(v: v128, activation: i32, zero: v128, six: v128): v128 {
  if (activation == RELU) return f32x4.max(v, zero);
  if (activation == RELU6) return f32x4.min(f32x4.max(v, zero), six);
  return v;
}
