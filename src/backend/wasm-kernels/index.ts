import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { castConfig } from './cast.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { batchNormGradConfig, fusedBatchNormConfig } from './fused-batch-norm.js';
import { conv2DConfig, fusedConv2DConfig } from './fused-conv2d.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { meanConfig } from './mean.js';
import { sumConfig } from './sum.js';
import { tileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { keepStockKernel } from './wasm-ops.js';

/** The project's wasm training kernels (docs/design.md §5), built from XNNPACK-backed stock kernels and the project's SIMD kernels (src/backend/simd/). */
export const PROJECT_WASM_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  fusedConv2DConfig,
  conv2DConfig,
  batchMatMulConfig,
  tileConfig,
  sumConfig,
  meanConfig,
  maxPoolGradConfig,
  fusedBatchNormConfig,
  batchNormGradConfig,
  unsortedSegmentSumConfig,
  identityConfig,
  castConfig,
];

let registered = false;

/**
 * Registers the project kernels for 'wasm', replacing stock ones of the same name. A replacement
 * keeps the stock kernel's setup/dispose hooks, because project kernels call the stock kernel and
 * tfjs runs setup hooks only for registered kernels (again whenever a new wasm instance starts).
 * Idempotent.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of PROJECT_WASM_KERNELS) {
    const stock = keepStockKernel(config.kernelName);
    if (stock !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
  }
  registered = true;
}
