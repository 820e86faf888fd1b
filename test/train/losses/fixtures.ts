import type { LossContext, MethodSpec, ResolvedParams } from '../../../src/train/losses/index.js';
import { Rng } from '../../../src/util/rng.js';

export const K = 4;
export const D = 6;
export const SEED = 7;
/** Unnormalised training-label counts for la-ce. */
export const PRIOR = new Float32Array([50, 20, 8, 2]);

export function context(): LossContext {
  return { numClasses: K, featureDim: D, seed: SEED, classPrior: PRIOR };
}

/** One spec per registered loss, with non-default knobs where that exercises more code. */
export const SPECS: MethodSpec[] = [
  { name: 'ce', label_smoothing: 0.1 },
  { name: 'etf-ce', scale: 8 },
  { name: 'cone', theta: 30 },
  { name: 'cone-hinge', theta: 30 },
  { name: 'cone-surface', theta: 30, scale: 8 },
  { name: 'cone-mean', theta: 30, mean_weight: 0.5 },
  { name: 'la-ce', tau: 1 },
];

/** cos θ and cos(φ − θ) for K classes, written out independently of the code under test. */
export function bounds(thetaDeg: number): { inner: number; outer: number } {
  const phi = Math.acos(-1 / (K - 1));
  const theta = (thetaDeg * Math.PI) / 180;
  return { inner: Math.cos(theta), outer: Math.cos(phi - theta) };
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const unit = (a: number[]) => {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
};

/** A vector of the given norm at `angleDeg` from the unit vector w, in a random direction. */
export function atAngle(w: number[], angleDeg: number, norm: number, rng: Rng): number[] {
  const r = w.map(() => rng.normal());
  const along = dot(r, w);
  const v = unit(r.map((x, i) => x - along * w[i]));
  const a = (angleDeg * Math.PI) / 180;
  return w.map((x, i) => norm * (Math.cos(a) * x + Math.sin(a) * v[i]));
}

/** Cosines u·w_k of each feature row to each class direction. */
export function cosines(h: number[][], directions: number[][]): number[][] {
  return h.map((row) => directions.map((w) => dot(unit(row), w)));
}

/**
 * A batch whose every cosine stays `margin` away from the cone bounds of θ = `thetaDeg`, so a small
 * finite-difference step never crosses a kink of min/max/abs/relu. Label K−1 is left out of the
 * batch so cone-mean's skipping of absent classes is exercised.
 */
export function smoothBatch(directions: number[][], thetaDeg: number, n: number, seed: number) {
  const rng = new Rng(`${seed}/smooth-batch`);
  const { inner, outer } = bounds(thetaDeg);
  const features: number[][] = [];
  const labels: number[] = [];
  while (features.length < n) {
    const y = features.length % (K - 1);
    const h = atAngle(directions[y], 5 + 170 * rng.next(), 1 + rng.next(), rng);
    const c = cosines([h], directions)[0];
    const nearKink = c.some((x, k) => Math.abs(x - (k === y ? inner : outer)) < 0.05);
    if (!nearKink) {
      features.push(h);
      labels.push(y);
    }
  }
  return { features, labels };
}

function crossEntropy(z: number[], target: number[]): number {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
  return z.reduce((s, x, k) => s - target[k] * (x - lse), 0);
}

const oneHot = (y: number) => Array.from({ length: K }, (_, k) => (k === y ? 1 : 0));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The head a reference loss needs: ETF rows, or a linear kernel [d][K] and bias [K]. */
export type Head = { directions: number[][] } | { kernel: number[][]; bias: number[] };

/** Float64 transcription of each loss's formula, independent of the tfjs code under test. */
export function referenceLoss(name: string, p: ResolvedParams, head: Head, h: number[][], labels: number[]): number {
  if ('kernel' in head) {
    const logits = h.map((row) => head.bias.map((b, k) => b + row.reduce((s, x, i) => s + x * head.kernel[i][k], 0)));
    if (name === 'ce') {
      const eps = p.label_smoothing;
      return mean(
        logits.map((z, n) =>
          crossEntropy(
            z,
            oneHot(labels[n]).map((t) => (1 - eps) * t + eps / K),
          ),
        ),
      );
    }
    const total = PRIOR.reduce((a, b) => a + b, 0);
    const shift = Array.from(PRIOR, (x) => p.tau * Math.log(x / total));
    return mean(
      logits.map((z, n) =>
        crossEntropy(
          z.map((x, k) => x + shift[k]),
          oneHot(labels[n]),
        ),
      ),
    );
  }
  const c = cosines(h, head.directions);
  const { inner, outer } = bounds(p.theta ?? 0);
  const clipped = (target: (x: number) => number) =>
    c.map((row, n) => row.map((x, k) => p.scale * (k === labels[n] ? target(x) : Math.max(x, outer))));
  const ceOf = (z: number[][]) => mean(z.map((row, n) => crossEntropy(row, oneHot(labels[n]))));
  switch (name) {
    case 'etf-ce':
      return ceOf(c.map((row) => row.map((x) => p.scale * x)));
    case 'cone':
      return ceOf(clipped((x) => Math.min(x, inner)));
    case 'cone-hinge':
      return mean(c.map((row, n) => Math.max(0, inner - row[labels[n]])));
    case 'cone-surface':
      return ceOf(clipped((x) => inner - Math.abs(x - inner)));
    case 'cone-mean': {
      const present = [...new Set(labels)];
      const meanTerms = present.map((k) => {
        const sum = head.directions[0].map((_, i) =>
          h.reduce((s, row, n) => s + (labels[n] === k ? unit(row)[i] : 0), 0),
        );
        const m = unit(sum);
        return crossEntropy(
          head.directions.map((w) => p.scale * dot(m, w)),
          oneHot(k),
        );
      });
      return ceOf(clipped((x) => Math.min(x, inner))) + p.mean_weight * mean(meanTerms);
    }
    default:
      throw new Error(`no reference for ${name}`);
  }
}
