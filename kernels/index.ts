// The project's WebAssembly SIMD kernels (built by `npm run build:kernels`, see docs/performance.md).
export { conv2dBackpropFilter } from './conv2d-backprop-filter';
export { batchNormForward, batchNormBackward } from './batch-norm';
export { winogradFilter, winogradConv2d } from './winograd-conv2d';
