import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunError, UsageError } from '../../../src/errors.js';
import { maxThetaDeg } from '../../../src/model/etf.js';
import { createLoss, DEFAULTS, listLosses, resolveMethodParams } from '../../../src/train/losses/index.js';
import { context, D, K, SPECS } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('registry', () => {
  it('lists every loss with its parameters and defaults', () => {
    const listed = listLosses();
    expect(listed.map((l) => l.name)).toEqual([
      'ce',
      'etf-ce',
      'cone',
      'cone-hinge',
      'cone-surface',
      'cone-mean',
      'la-ce',
    ]);
    const cone = listed.find((l) => l.name === 'cone')!;
    expect(Object.keys(cone.params)).toEqual(['scale', 'theta']);
    expect(cone.params.scale.default).toBe(16);
    expect(cone.params.theta.default).toBeNull();
    for (const l of listed) {
      expect(l.description.length).toBeGreaterThan(10);
      for (const p of Object.values(l.params)) expect(p.description.length).toBeGreaterThan(10);
    }
  });

  it('fills in defaults: scale 16 and θ = 0.8·φ/2', () => {
    expect(DEFAULTS.scale).toBe(16);
    const p = resolveMethodParams({ name: 'cone', theta: null }, K);
    expect(p).toEqual({ scale: 16, theta: 0.8 * maxThetaDeg(K) });
    expect(p.theta).toBeCloseTo(0.8 * 54.7356, 3);
    expect(resolveMethodParams({ name: 'cone-mean' }, 10).mean_weight).toBe(1);
    expect(resolveMethodParams({ name: 'la-ce' }, 10).tau).toBe(1);
    expect(resolveMethodParams({ name: 'ce' }, 10).label_smoothing).toBe(0);
  });

  it('rejects bad specs with a one-line UsageError naming the field', () => {
    const ctx = context();
    const fails = (spec: Parameters<typeof createLoss>[0], message: RegExp, c = ctx) => {
      expect(() => createLoss(spec, c)).toThrow(UsageError);
      expect(() => createLoss(spec, c)).toThrow(message);
    };
    fails({ name: 'cone', theta: 60 }, /^method\.theta: must be below 54\.7 degrees for 4 classes \(got 60\)/);
    fails({ name: 'cone', theta: 52.3 }, /below 52\.2 degrees for 5 classes \(got 52\.3\)/, {
      ...ctx,
      numClasses: 5,
      featureDim: 8,
    });
    fails({ name: 'cone', theta: -5 }, /^method\.theta: must be a positive number/);
    fails({ name: 'cone', scale: 0 }, /^method\.scale: must be a positive number \(got 0\)/);
    fails({ name: 'ce', label_smoothing: 1 }, /^method\.label_smoothing/);
    // Specs come from YAML, so values may arrive with the wrong type.
    fails(
      { name: 'cone-mean', mean_weight: '1' as unknown as number },
      /^method\.mean_weight: must be a number ≥ 0 \(got "1"\)/,
    );
    fails({ name: 'ce', theta: 30 }, /^method\.theta: not a parameter of ce \(its parameters: label_smoothing\)/);
    fails({ name: 'con' }, /^method\.name: unknown loss "con" \(known: ce, etf-ce, cone.*did you mean "cone"\?/);
    fails({ name: 'cone' }, /d must be ≥ K.*d=3, K=4/, { ...ctx, featureDim: 3 });
    fails({ name: 'la-ce' }, /la-ce needs the class prior/, { ...ctx, classPrior: undefined });
    fails({ name: 'la-ce' }, /class 2 has prior 0/, { ...ctx, classPrior: new Float32Array([3, 2, 0, 1]) });
    for (const l of listLosses()) {
      try {
        createLoss({ name: l.name, scale: -1, theta: 99 }, ctx);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('accepts null for knobs of other methods (a resolved spec may carry them)', () => {
    const loss = createLoss({ name: 'ce', theta: null, scale: undefined }, context());
    expect(loss.name).toBe('ce');
    loss.dispose();
  });
});

describe('heads', () => {
  it('gives ce and la-ce a learnable Glorot head and the ETF losses none', () => {
    for (const spec of SPECS) {
      const loss = createLoss(spec, context());
      if (spec.name === 'ce' || spec.name === 'la-ce') {
        expect(loss.headVariables.map((v) => v.shape)).toEqual([[D, K], [K]]);
        expect(loss.headVariables.every((v) => v.trainable)).toBe(true);
        const limit = Math.sqrt(6 / (D + K));
        const w = loss.headVariables[0].dataSync();
        expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(limit);
        expect(Math.max(...Array.from(w, Math.abs))).toBeGreaterThan(limit / 2);
        expect(loss.classDirections()).toBeNull();
      } else {
        expect(loss.headVariables).toEqual([]);
        expect(loss.classDirections()!.shape).toEqual([K, D]);
      }
      loss.dispose();
    }
  });

  it('predicts with plain logits: la-ce without the prior shift, equal to ce with the same seed', () => {
    const ce = createLoss({ name: 'ce' }, context());
    const la = createLoss({ name: 'la-ce', tau: 2 }, context());
    const h = tf.randomNormal([5, D], 0, 1, 'float32', 3) as tf.Tensor2D;
    const expected = tf.tidy(() => tf.add(tf.matMul(h, ce.headVariables[0]), ce.headVariables[1]).arraySync());
    expect(tf.tidy(() => la.logits(h).arraySync())).toEqual(expected);
    expect(tf.tidy(() => ce.logits(h).arraySync())).toEqual(expected);
    tf.dispose([h]);
    ce.dispose();
    la.dispose();
  });

  it('restores its head from state() of another instance, and rejects a mismatched checkpoint', () => {
    for (const spec of SPECS) {
      const a = createLoss(spec, { ...context(), seed: 1 });
      const b = createLoss(spec, { ...context(), seed: 2 });
      const h = tf.randomNormal([3, D], 0, 1, 'float32', 5) as tf.Tensor2D;
      const logitsOf = (l: typeof a) => tf.tidy(() => l.logits(h).arraySync());
      expect(logitsOf(b)).not.toEqual(logitsOf(a));
      const directionsBefore = b.classDirections();
      b.setState(a.state());
      expect(logitsOf(b)).toEqual(logitsOf(a));
      expect(b.classDirections()).toBe(directionsBefore);

      const [key] = Object.keys(a.state());
      expect(() => b.setState({})).toThrow(RunError);
      expect(() => b.setState({})).toThrow(`checkpoint: head tensor "${key}" is missing`);
      const wrong = tf.zeros([1, 1]);
      expect(() => b.setState({ ...a.state(), [key]: wrong })).toThrow(/has shape \[1,1\] but this run needs/);
      tf.dispose([h, wrong]);
      a.dispose();
      b.dispose();
    }
  });
});

describe('memory', () => {
  it('leaks no tensors from create, a training-step gradient, logits and dispose', () => {
    const before = tf.memory().numTensors;
    for (const spec of SPECS) {
      const loss = createLoss(spec, context());
      // A stand-in feature layer, as in the training loop: gradients flow to it through the loss.
      const layer = tf.tidy(() => tf.variable(tf.randomNormal([5, D], 0, 1, 'float32', 4)));
      const inUse = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.randomNormal([6, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
        const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
        const { value, grads } = tf.variableGrads(
          () => loss.loss(tf.matMul(x, layer), y),
          [layer, ...loss.headVariables],
        );
        return [value, loss.logits(tf.matMul(x, layer)), ...Object.values(grads)];
      }).forEach((t) => t.dispose());
      loss.state();
      expect(tf.memory().numTensors).toBe(inUse);
      layer.dispose();
      loss.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
