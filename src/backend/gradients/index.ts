import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from './fused-batch-norm.js';
import { meanGradConfig } from './mean.js';

/**
 * Gradients the project computes with fewer full-size passes than tfjs's own (same partial
 * derivatives; see each file). Gradients are backend-independent, so they serve every backend;
 * registering replaces tfjs's entry for the kernel.
 */
export const PROJECT_GRADIENTS: readonly tf.GradConfig[] = [fusedBatchNormGradConfig, meanGradConfig];

export function registerProjectGradients(): void {
  for (const config of PROJECT_GRADIENTS) tf.registerGradient(config);
}
