import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/errors.js';
import { GEOMETRY_COLUMNS, geometryMetrics, geometryRows, type GeometryRow } from '../../src/eval/geometry.js';
import { Rng } from '../../src/util/rng.js';
import { basisEtf, featureMatrix, row } from './helpers.js';

const DEG = 180 / Math.PI;

describe('geometryMetrics: closed forms', () => {
  it('perfectly collapsed simplex-ETF features: nc1 = 0, nc2 = nc3 = 0, all inside the cone', () => {
    const K = 5;
    const d = 8;
    const etf = basisEtf(K, d);
    const rows = Array.from({ length: 40 }, (_, i) => row(etf, i % K, d, 3));
    const labels = Int32Array.from(rows.keys(), (i) => i % K);
    for (const r of geometryRows(featureMatrix(rows, d), labels, K, { etf: Float32Array.from(etf), thetaDeg: 10 })) {
      expect(r.nc1).toBe(0);
      expect(r.nc1_ratio).toBe(0);
      expect(r.cdnv).toBe(0);
      expect(r.nc2_etf_err).toBeLessThan(1e-6);
      expect(r.nc2_equinorm_cv).toBeLessThan(1e-6);
      expect(r.nc3_dual_err).toBeLessThan(1e-6);
      expect(r.nc4_ncc_agree).toBe(1);
      expect(r.in_cone_frac).toBe(1);
      expect(r.angle_dir_p90).toBeLessThan(0.05);
      expect(r.angle_mean_p90).toBeLessThan(0.05);
    }
  });

  /*
   * Exactly isotropic spread: class k holds r·w_k ± σ√d·e_j for every basis vector e_j, so each class
   * mean is exactly r·w_k and Σ_W = σ² I. With unit ETF rows w_k:
   *   Σ_B = (r²/K) Σ_k w_k w_kᵀ = r²/(K−1) · Π   (Π the projector onto span{w_k}, rank K−1)
   *   nc1 = tr(σ² I · (K−1)/r² Π)/K = σ²(K−1)²/(K r²)
   *   nc1_ratio = σ² d / r²                       (tr Σ_B = r²)
   *   cdnv = σ²d / (2 · 2r²K/(K−1)) = σ² d (K−1)/(2 K r²)   (‖w_k − w_l‖² = 2K/(K−1))
   *   nc4 = 1: with equal-norm means, the nearest centre is argmax_k h·w_k, the ETF head's decision.
   */
  it('exactly isotropic spread around ETF means matches the closed forms', () => {
    const [K, d, r, sigma] = [4, 6, 2, 0.5];
    const etf = basisEtf(K, d);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < d; j++) {
        for (const sign of [1, -1]) {
          const h = row(etf, k, d, r);
          h[j] += sign * sigma * Math.sqrt(d);
          rows.push(h);
          labels.push(k);
        }
      }
    }
    const m = geometryMetrics(featureMatrix(rows, d), Int32Array.from(labels), K, {
      etf: Float32Array.from(etf),
      normalise: false,
    });
    const s2 = sigma * sigma;
    expect(m.nc1).toBeCloseTo((s2 * (K - 1) ** 2) / (K * r * r), 6);
    expect(m.nc1_ratio).toBeCloseTo((s2 * d) / (r * r), 6);
    expect(m.cdnv).toBeCloseTo((s2 * d * (K - 1)) / (2 * K * r * r), 6);
    expect(m.nc2_etf_err).toBeLessThan(1e-6);
    expect(m.nc2_equinorm_cv).toBeLessThan(1e-6);
    expect(m.nc3_dual_err).toBeLessThan(1e-6);
    expect(m.nc4_ncc_agree).toBe(1);
    expect(m.in_cone_frac).toBeNaN(); // no θ given
  });

  /*
   * A cone: h = r·w_y + ρ·v with v = ±e_j for the basis vectors orthogonal to every ETF row, equally
   * often. Every feature is at angle atan(ρ/r) from both its class direction and its class mean; the
   * spread lies outside span{w_k}, so nc1 = 0 although tr Σ_W = ρ² > 0; nc1_ratio = ρ²/r²,
   * cdnv = 2ρ²/(2 · 2r²K/(K−1)) = ρ²(K−1)/(2Kr²). All features have the same norm, so the L2 variant is the same cone
   * scaled, and every one of these (scale-free) values is the same for it.
   */
  it('spread orthogonal to the ETF span: a cone of half-angle atan(ρ/r) with nc1 = 0', () => {
    const [K, d, r] = [3, 7, 1.5];
    const coneDeg = 20;
    const rho = r * Math.tan(coneDeg / DEG);
    const etf = basisEtf(K, d);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let k = 0; k < K; k++) {
      for (let j = K; j < d; j++) {
        for (const sign of [1, -1]) {
          const h = row(etf, k, d, r);
          h[j] = sign * rho;
          rows.push(h);
          labels.push(k);
        }
      }
    }
    const x = featureMatrix(rows, d);
    const y = Int32Array.from(labels);
    for (const m of geometryRows(x, y, K, { etf: Float32Array.from(etf), thetaDeg: 25 })) {
      expect(m.nc1).toBeLessThan(1e-12);
      expect(m.nc1_ratio).toBeCloseTo((rho * rho) / (r * r), 6);
      expect(m.cdnv).toBeCloseTo((rho * rho * (K - 1)) / (2 * K * r * r), 6);
      for (const key of [
        'angle_dir_mean',
        'angle_dir_median',
        'angle_dir_p90',
        'angle_mean_mean',
        'angle_mean_median',
        'angle_mean_p90',
      ] as const) {
        expect(m[key]).toBeCloseTo(coneDeg, 3);
      }
      expect(m.in_cone_frac).toBe(1);
      expect(m.nc3_dual_err).toBeLessThan(1e-6);
    }
    expect(geometryMetrics(x, y, K, { etf: Float32Array.from(etf), thetaDeg: 15, normalise: true }).in_cone_frac).toBe(
      0,
    );
  });

  /*
   * Gaussian noise h = r·w_y + σ·ε, ε ~ N(0, I_d): the population values are the closed forms of the
   * isotropic case above; with n samples per class the estimates carry relative sampling error of
   * about sqrt(2/((K−1)N)) ≈ 1% for nc1 and well under that for the others, so 5% is a ≥ 4σ bound.
   * Class means are estimated to within σ√(d/n) ≈ 0.05·r, which bounds the ETF/duality errors.
   */
  it('isotropic Gaussian noise around ETF means: closed forms within sampling tolerance', () => {
    const [K, d, r, sigma, perClass] = [4, 16, 2, 0.5, 1500];
    const etf = basisEtf(K, d);
    const rng = new Rng('geometry-gaussian');
    const n = K * perClass;
    const data = new Float32Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % K;
      for (let j = 0; j < d; j++) data[i * d + j] = r * etf[labels[i] * d + j] + sigma * rng.normal();
    }
    const m = geometryMetrics({ data, n, d }, labels, K, { etf: Float32Array.from(etf), normalise: false });
    const s2 = sigma * sigma;
    expect(m.nc1).toBeGreaterThan(0.95 * ((s2 * (K - 1) ** 2) / (K * r * r)));
    expect(m.nc1).toBeLessThan(1.05 * ((s2 * (K - 1) ** 2) / (K * r * r)));
    expect(Math.abs(m.nc1_ratio / ((s2 * d) / (r * r)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(m.cdnv / ((s2 * d * (K - 1)) / (2 * K * r * r)) - 1)).toBeLessThan(0.05);
    expect(m.nc2_etf_err).toBeLessThan(0.05);
    expect(m.nc2_equinorm_cv).toBeLessThan(0.05);
    expect(m.nc3_dual_err).toBeLessThan(0.05);
    expect(m.nc4_ncc_agree).toBeGreaterThan(0.98);
    // The class mean is r·w_y up to sampling error, so both angle statistics see the same spread.
    expect(Math.abs(m.angle_dir_mean - m.angle_mean_mean)).toBeLessThan(1);
  });
});

interface GeometryCase {
  name: string;
  K: number;
  n: number;
  d: number;
  features: number[];
  labels: number[];
  classifier?: { W: number[]; b?: number[] };
  etf?: number[];
  thetaDeg?: number;
  expected: Record<string, string | number | null>[];
}

/*
 * numpy works in float64 throughout; the library L2-normalises into float32 (the features' own
 * precision), so the 'l2' rows agree to float32 rounding, not to float64 rounding: hence 1e-6.
 */
describe('geometryMetrics vs numpy (test/fixtures/geometry/make_fixtures.py)', () => {
  const cases: GeometryCase[] = JSON.parse(
    fs.readFileSync(path.join(import.meta.dirname, '../fixtures/geometry/geometry-cases.json'), 'utf8'),
  );

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rows = geometryRows({ data: Float32Array.from(c.features), n: c.n, d: c.d }, Int32Array.from(c.labels), c.K, {
      classifier: c.classifier && {
        W: Float32Array.from(c.classifier.W),
        b: c.classifier.b && Float32Array.from(c.classifier.b),
      },
      etf: c.etf && Float32Array.from(c.etf),
      thetaDeg: c.thetaDeg,
    });
    expect(rows.map((r) => r.features)).toEqual(['raw', 'l2']);
    rows.forEach((r, i) => {
      const want = c.expected[i];
      expect(Object.keys(r).sort()).toEqual([...GEOMETRY_COLUMNS].sort());
      for (const col of GEOMETRY_COLUMNS) {
        const got = r[col as keyof GeometryRow];
        const exp = want[col];
        if (exp === null) expect(got, col).toBeNaN();
        else if (typeof exp === 'string') expect(got, col).toBe(exp);
        else
          expect(Math.abs((got as number) - exp), `${c.name} ${r.features} ${col}`).toBeLessThanOrEqual(
            1e-6 * Math.max(1, Math.abs(exp)),
          );
      }
    });
  });
});

describe('geometryMetrics: input checks', () => {
  const x = featureMatrix(
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    2,
  );
  it('names an empty class', () => {
    expect(() => geometryMetrics(x, Int32Array.from([0, 0, 2]), 3, { normalise: false })).toThrow(
      /class 1 has no samples/,
    );
  });
  it('rejects labels outside [0, K) and mis-sized heads', () => {
    expect(() => geometryMetrics(x, Int32Array.from([0, 1, 2]), 2, { normalise: false })).toThrow(RunError);
    expect(() =>
      geometryMetrics(x, Int32Array.from([0, 1, 1]), 2, { normalise: false, etf: new Float32Array(3) }),
    ).toThrow(/etf has 3 values/);
  });
  it('leaves head-dependent columns NaN without a head', () => {
    const m = geometryMetrics(x, Int32Array.from([0, 1, 1]), 2, { normalise: false });
    for (const col of ['nc3_dual_err', 'nc4_ncc_agree', 'angle_dir_mean', 'in_cone_frac'] as const)
      expect(m[col]).toBeNaN();
    expect(m.angle_mean_mean).toBeGreaterThan(0);
  });
});
