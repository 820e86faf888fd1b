// The filter-gradient inner loop for bench/compiler-choice/run.mjs (not one of the project kernels).
// C[c, o] += sum_k A[k, c] * B[k, o]; A [K, cn], B [K, on], C [cn, on], row-major f32.
// K-blocked (kc rows), 4x8 register tile.
@inline function tile4x8(a: usize, lda: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: i32): void {
  let c00 = v128.load(c), c01 = v128.load(c, 16);
  let c10 = v128.load(c + ldc), c11 = v128.load(c + ldc, 16);
  let c20 = v128.load(c + 2 * ldc), c21 = v128.load(c + 2 * ldc, 16);
  let c30 = v128.load(c + 3 * ldc), c31 = v128.load(c + 3 * ldc, 16);
  for (let i = 0; i < k; i++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let s = v128.load32_splat(a);
    c00 = f32x4.add(c00, f32x4.mul(s, b0)); c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0)); c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0)); c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(a, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0)); c31 = f32x4.add(c31, f32x4.mul(s, b1));
    a += lda; b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

export function gemm(a: usize, b: usize, c: usize, k: i32, cn: i32, on: i32, kc: i32): void {
  const lda = <usize>cn << 2, ldb = <usize>on << 2, ldc = <usize>on << 2;
  for (let k0 = 0; k0 < k; k0 += kc) {
    const kk = min(kc, k - k0);
    for (let ci = 0; ci < cn; ci += 4) {
      for (let oi = 0; oi < on; oi += 8) {
        tile4x8(a + <usize>k0 * lda + (<usize>ci << 2), lda, b + <usize>k0 * ldb + (<usize>oi << 2), ldb, c + <usize>ci * ldc + (<usize>oi << 2), ldc, kk);
      }
    }
  }
}
