import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, expect } from 'vitest';

/** Every test of the enclosing block must end with as many live tensors as it started with. */
export function expectNoTensorLeaks(): void {
  let tensorsAtStart = 0;
  beforeEach(() => {
    tensorsAtStart = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(tensorsAtStart);
  });
}
