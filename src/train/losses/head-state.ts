import type * as tf from '@tensorflow/tfjs';
import { RunError } from '../../errors.js';

/** Copies checkpointed head tensors into the head's variables, checking names and shapes first. */
export function assignHeadState(variables: Record<string, tf.Variable>, saved: Record<string, tf.Tensor>): void {
  for (const [key, variable] of Object.entries(variables)) {
    const value = saved[key];
    if (value === undefined) {
      throw new RunError(
        `checkpoint: head tensor "${key}" is missing; the checkpoint was written by a different method`,
      );
    }
    if (value.shape.join('x') !== variable.shape.join('x')) {
      throw new RunError(
        `checkpoint: head tensor "${key}" has shape [${value.shape}] but this run needs [${variable.shape}]; ` +
          'check the number of classes and the feature dimension',
      );
    }
  }
  for (const [key, variable] of Object.entries(variables)) variable.assign(saved[key]);
}
