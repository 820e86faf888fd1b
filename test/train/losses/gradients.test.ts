import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoss, resolveMethodParams, type Loss } from '../../../src/train/losses/index.js';
import { context, D, K, referenceLoss, smoothBatch, SPECS, type Head } from './fixtures.js';

const N = 9;
const STEP = 1e-3;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Central difference of f over x[i], using the float32-rounded step actually taken. */
function centralDifference(x: Float32Array, i: number, f: () => number): number {
  const original = x[i];
  x[i] = original + STEP;
  const up = x[i];
  const fUp = f();
  x[i] = original - STEP;
  const down = x[i];
  const fDown = f();
  x[i] = original;
  return (fUp - fDown) / (up - down);
}

function expectClose(analytic: Float32Array, numeric: number[], what: string): void {
  numeric.forEach((fd, i) => {
    const tolerance = 1e-3 + 1e-2 * Math.abs(fd);
    if (Math.abs(analytic[i] - fd) > tolerance) {
      throw new Error(`${what}[${i}]: analytic ${analytic[i]} vs finite difference ${fd}`);
    }
  });
}

function headOf(loss: Loss): Head {
  const directions = loss.classDirections();
  if (directions) return { directions: directions.arraySync() };
  const s = loss.state();
  return { kernel: s['head/kernel'].arraySync() as number[][], bias: s['head/bias'].arraySync() as number[] };
}

describe.each(SPECS)('loss $name', (spec) => {
  let loss: Loss;
  let features: Float32Array;
  let labels: tf.Tensor1D;
  let reference: () => number;
  const value = () => tf.tidy(() => loss.loss(tf.tensor2d(features, [N, D]), labels).dataSync()[0]);

  beforeAll(() => {
    loss = createLoss(spec, context());
    const params = resolveMethodParams(spec, K);
    // ETF directions place the batch away from every clipping kink; ce-style heads have no kinks.
    const etf = createLoss({ name: 'etf-ce' }, context());
    const batch = smoothBatch(etf.classDirections()!.arraySync(), params.theta ?? 30, N, 11);
    etf.dispose();
    features = new Float32Array(batch.features.flat());
    labels = tf.tensor1d(batch.labels, 'int32');
    reference = () => {
      const h = Array.from({ length: N }, (_, n) => Array.from(features.subarray(n * D, (n + 1) * D)));
      return referenceLoss(spec.name, params, headOf(loss), h, batch.labels);
    };
  });

  afterAll(() => {
    loss.dispose();
    labels.dispose();
  });

  it('computes the value of its formula (float64 reference)', () => {
    const expected = reference();
    expect(Math.abs(value() - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
  });

  it('has feature gradients matching central finite differences', () => {
    const analytic = tf.tidy(() =>
      tf
        .grad((f) => loss.loss(f as tf.Tensor2D, labels))(tf.tensor2d(features, [N, D]))
        .dataSync(),
    ) as Float32Array;
    expect(analytic.some((g) => g !== 0)).toBe(true);
    const numeric = Array.from(features, (_, i) => centralDifference(features, i, value));
    expectClose(analytic, numeric, 'dL/dh');
  });

  it('has head-variable gradients matching central finite differences', () => {
    if (loss.headVariables.length === 0) {
      expect(loss.classDirections()).not.toBeNull();
      return;
    }
    const { grads } = tf.variableGrads(() => loss.loss(tf.tensor2d(features, [N, D]), labels), loss.headVariables);
    for (const variable of loss.headVariables) {
      const analytic = grads[variable.name].dataSync() as Float32Array;
      const values = variable.dataSync().slice() as Float32Array;
      const setTo = (v: Float32Array) => tf.tidy(() => variable.assign(tf.tensor(v, variable.shape)));
      const numeric = Array.from(values, (_, i) =>
        centralDifference(values, i, () => {
          setTo(values);
          return value();
        }),
      );
      setTo(values);
      expectClose(analytic, numeric, `dL/d${variable.name}`);
    }
    tf.dispose(grads);
  });
});
