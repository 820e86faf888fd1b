import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoss, type Loss } from '../../../src/train/losses/index.js';
import { Rng } from '../../../src/util/rng.js';
import { atAngle, bounds, context, cosines, D, K } from './fixtures.js';

const THETA = 30;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function featureGradient(loss: Loss, h: number[][], labels: number[]): number[][] {
  return tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    return tf
      .grad((f) => loss.loss(f as tf.Tensor2D, y))(tf.tensor2d(h))
      .arraySync() as number[][];
  });
}

function lossValue(loss: Loss, h: number[][], labels: number[]): number {
  return tf.tidy(() => loss.loss(tf.tensor2d(h), tf.tensor1d(labels, 'int32')).dataSync()[0]);
}

describe('cone clipping', () => {
  const cone = createLoss({ name: 'cone', theta: THETA }, context());
  const hinge = createLoss({ name: 'cone-hinge', theta: THETA }, context());
  const etfCe = createLoss({ name: 'etf-ce' }, context());
  const directions = cone.classDirections()!.arraySync();
  const rng = new Rng('cone-test');
  afterAll(() => [cone, hinge, etfCe].forEach((l) => l.dispose()));

  // Rows 0..5 strictly inside their cone (angle < θ), rows 6..11 outside (angle > θ).
  const labels = Array.from({ length: 12 }, (_, n) => n % K);
  const inside = (n: number) => n < 6;
  const h = labels.map((y, n) =>
    atAngle(directions[y], inside(n) ? 25 * rng.next() : THETA + 5 + 60 * rng.next(), 0.5 + 2 * rng.next(), rng),
  );

  it('passes exactly zero feature gradient strictly inside the cone and a non-zero one outside', () => {
    for (const loss of [cone, hinge]) {
      const grad = featureGradient(loss, h, labels);
      grad.forEach((row, n) => {
        if (inside(n)) expect(row.every((g) => g === 0)).toBe(true);
        else expect(Math.hypot(...row)).toBeGreaterThan(0);
      });
    }
  });

  it('has the constant loss of a fully clipped row inside the cone', () => {
    // Every logit clipped: z_y = s cos θ, z_j = s cos(φ−θ), so CE = log(1 + (K−1) e^{s(cos(φ−θ) − cos θ)}).
    const { inner, outer } = bounds(THETA);
    const expected = Math.log(1 + (K - 1) * Math.exp(16 * (outer - inner)));
    const rows = [0, 1, 2, 3, 4, 5];
    expect(
      lossValue(
        cone,
        rows.map((n) => h[n]),
        rows.map((n) => labels[n]),
      ),
    ).toBeCloseTo(expected, 5);
  });

  it('equals etf-ce, value and gradient, when no logit is clipped', () => {
    // Near the opposite of the class direction: u·w_y ≈ −1 < cos θ and u·w_j ≈ 1/(K−1) > cos(φ−θ).
    const far = labels.map((y) =>
      atAngle(
        directions[y].map((x) => -x),
        10 * rng.next(),
        1 + rng.next(),
        rng,
      ),
    );
    const { inner, outer } = bounds(THETA);
    cosines(far, directions).forEach((row, n) =>
      row.forEach((c, k) => expect(k === labels[n] ? c < inner : c > outer).toBe(true)),
    );
    expect(lossValue(cone, far, labels)).toBeCloseTo(lossValue(etfCe, far, labels), 6);
    const gCone = featureGradient(cone, far, labels).flat();
    const gEtf = featureGradient(etfCe, far, labels).flat();
    gCone.forEach((g, i) => expect(g).toBeCloseTo(gEtf[i], 6));
  });

  it('predicts with unclipped logits s·cos, the same as etf-ce', () => {
    const a = tf.tidy(() => cone.logits(tf.tensor2d(h)).arraySync());
    const b = tf.tidy(() => etfCe.logits(tf.tensor2d(h)).arraySync());
    const expected = cosines(h, directions).map((row) => row.map((c) => 16 * c));
    a.forEach((row, n) =>
      row.forEach((z, k) => {
        expect(z).toBeCloseTo(expected[n][k], 4);
        expect(z).toBe(b[n][k]);
      }),
    );
  });
});

describe('shapes', () => {
  it('builds ETF directions of shape K×d', () => {
    const loss = createLoss({ name: 'cone' }, context());
    expect(loss.classDirections()!.shape).toEqual([K, D]);
    loss.dispose();
  });
});
