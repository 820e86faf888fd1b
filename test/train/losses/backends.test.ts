import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createLoss } from '../../../src/train/losses/index.js';
import { context, smoothBatch, SPECS } from './fixtures.js';

const LOSS_DIR = fileURLToPath(new URL('../../../src/train/losses/', import.meta.url));

/** Loss value and gradients wrt features and head variables, on the active backend, as plain arrays. */
function lossAndGradients(spec: (typeof SPECS)[number], features: number[][], labels: number[]): number[][] {
  const loss = createLoss(spec, context());
  const result = tf.tidy(() => {
    const h = tf.variable(tf.tensor2d(features)) as tf.Variable<tf.Rank.R2>;
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads } = tf.variableGrads(() => loss.loss(h, y), [h, ...loss.headVariables]);
    const out = [[value.dataSync()[0]], ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
    h.dispose();
    return out;
  });
  loss.dispose();
  return result;
}

describe('no gather on trainable paths', () => {
  it('builds every loss from one-hot masks: no tf.gather in src/train/losses', () => {
    const files = readdirSync(LOSS_DIR).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(SPECS.length);
    for (const file of files) {
      const code = readFileSync(LOSS_DIR + file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\bgather(Nd)?\s*\(|tf\.gather/);
    }
  });
});

describe('wasm backend', () => {
  it('gives every loss the same value and gradients as the cpu backend', async (ctx) => {
    await tf.setBackend('cpu');
    const etf = createLoss({ name: 'etf-ce' }, context());
    const { features, labels } = smoothBatch(etf.classDirections()!.arraySync(), 30, 8, 3);
    etf.dispose();
    const onCpu = SPECS.map((spec) => lossAndGradients(spec, features, labels));

    const wasmLoaded = await import('@tensorflow/tfjs-backend-wasm').then(
      () => tf.setBackend('wasm'),
      () => false,
    );
    if (!wasmLoaded) ctx.skip();
    expect(tf.getBackend()).toBe('wasm');
    SPECS.forEach((spec, s) => {
      const onWasm = lossAndGradients(spec, features, labels);
      expect(onWasm.length, spec.name).toBe(onCpu[s].length);
      onWasm.forEach((values, i) =>
        values.forEach((v, j) => {
          const expected = onCpu[s][i][j];
          expect(Math.abs(v - expected), `${spec.name} output ${i}[${j}]`).toBeLessThan(
            1e-5 + 1e-4 * Math.abs(expected),
          );
        }),
      );
      expect(
        onWasm[1].some((g) => g !== 0),
        `${spec.name} feature gradient`,
      ).toBe(true);
    });
  });
});
