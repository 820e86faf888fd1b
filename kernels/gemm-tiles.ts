// Register tiles of the project's SIMD GEMMs (the filter gradient, Winograd's 16 products): each
// accumulates a small block of out += Σ_k a_k ⊗ b_k, reading a and b with caller-given strides.

/**
 * out[0..4, 0..8] (row stride ldo bytes) += Σ_k a[k, 0..4] ⊗ b[k, 0..8] over k < count, where
 * a[k, r] is at a + k·aStep + r·lda (out = Σ instead when not `accumulate`, so a caller writing a
 * fresh result need not clear it first): 8 f32x4 accumulators in registers, 2 loads of b and 4 splat
 * loads of a per k.
 */
export function row4x8(
  a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32, lda: usize, ldo: usize,
  accumulate: bool,
): void {
  const zero = f32x4.splat(0);
  let c00 = accumulate ? v128.load(out) : zero, c01 = accumulate ? v128.load(out, 16) : zero;
  let c10 = accumulate ? v128.load(out + ldo) : zero, c11 = accumulate ? v128.load(out + ldo, 16) : zero;
  let c20 = accumulate ? v128.load(out + 2 * ldo) : zero, c21 = accumulate ? v128.load(out + 2 * ldo, 16) : zero;
  let c30 = accumulate ? v128.load(out + 3 * ldo) : zero, c31 = accumulate ? v128.load(out + 3 * ldo, 16) : zero;
  for (let k = 0; k < count; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a + lda);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a + 2 * lda);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a + 3 * lda);
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

/** out[0..8] += Σ_k a[k] · b[k, 0..8]: a remainder row (fewer than 4 rows of a). */
export function row1x8(a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32): void {
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

/** out[0] += Σ_k a[k] · b[k]: a remainder column (fewer than 8 columns of b). */
export function row1x1(a: usize, b: usize, out: usize, aStep: usize, bStep: usize, count: i32): void {
  let acc = load<f32>(out);
  for (let k = 0; k < count; k++) {
    acc += load<f32>(a) * load<f32>(b);
    a += aStep;
    b += bStep;
  }
  store<f32>(out, acc);
}
