import * as tf from '@tensorflow/tfjs';
import { type SimdKernels, simdKernelsFor } from '../simd/index.js';
import { perChannel } from './fused-batch-norm.js';
import { stockKernel, wasmKernel } from './wasm-ops.js';

type Shape4 = [number, number, number, number];

/** Activations the Winograd kernel fuses, numbered as kernels/winograd-conv2d.ts reads them. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2 };

/**
 * Where Winograd pays (single-layer probes, 32×32 maps, batch 128, 1 thread, CPU ms Winograd vs
 * XNNPACK): the GEMM, whose work per tile grows with Cin·Cout, must outweigh the input and output
 * transforms, which grow with Cin + Cout. 8 → 8: 5.5 vs 5.2; 4 → 16: 5.9 vs 5.6 (both a loss);
 * 8 → 16: 7.6 vs 9.6; 16 → 8: 8.2 vs 9.7; 16 → 16: 14 vs 18.5; larger layers 2–2.5× less. So at
 * least 8 channels on each side and 128 channel pairs; cnn28's 1-channel first layer and ResNet-20's
 * 3-channel stem stay on XNNPACK.
 */
const WINOGRAD_MIN_CHANNELS = 8;
const WINOGRAD_MIN_CHANNEL_PAIRS = 128;

/** Tiles per block: a block's V and M (36 matrices each) stay in L2 through the GEMM. */
const BLOCK_TILES = 32;

/** Bytes added to each of the 36 matrices' stride, so that they do not all map to the same cache sets. */
const MATRIX_SKEW = 64;

/** F(4×4, 3×3) transforms a 6×6 input patch per 4×4 output tile: 36 positions. */
const POSITIONS = 36;

/**
 * `FusedConv2D` and `Conv2D` on wasm: a 3×3, stride-1, dilation-1 float32 convolution with enough
 * channels (above), a per-channel bias or none, and a linear, ReLU or ReLU6 activation runs the
 * project's Winograd F(4×4, 3×3) kernel (kernels/winograd-conv2d.ts) when the SIMD kernels are
 * loaded; everything else runs the stock XNNPACK kernel unchanged.
 */
function conv2d(kernelName: string): tf.KernelFunc {
  return (params) => {
    const { x, filter, bias, preluActivationWeights } = params.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = params.attrs as unknown as tf.FusedConv2DAttrs;
    const simd = simdKernelsFor(params.backend);
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as Shape4,
      filter!.shape as Shape4,
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
    const qualifies =
      simd !== null &&
      attrs.dataFormat === 'NHWC' &&
      x!.dtype === 'float32' &&
      filter!.dtype === 'float32' &&
      info.filterHeight === 3 &&
      info.filterWidth === 3 &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      info.dilationHeight === 1 &&
      info.dilationWidth === 1 &&
      Math.min(info.inChannels, info.outChannels) >= WINOGRAD_MIN_CHANNELS &&
      info.inChannels * info.outChannels >= WINOGRAD_MIN_CHANNEL_PAIRS &&
      activation !== undefined &&
      preluActivationWeights === undefined &&
      (bias === undefined || perChannel(bias, info.outChannels));
    if (!qualifies) return stockKernel(kernelName).kernelFunc(params);
    return winograd(simd, params.backend, { x: x!, filter: filter!, bias }, info, activation);
  };
}

/**
 * Scratch (one backend buffer, freed with the call's other intermediates): U, 36 matrices [Cin′ ×
 * Cout′], then one slot per slice of the tiles, each V (36 × [BLOCK_TILES × Cin′]) and M (36 ×
 * [BLOCK_TILES × Cout′]); Cin′ and Cout′ are the channels padded to 4 and 8 as the kernel pads them.
 */
function winograd(
  simd: SimdKernels,
  backend: unknown,
  inputs: { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo | undefined },
  info: tf.backend_util.Conv2DInfo,
  activation: number,
): tf.TensorInfo {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: cin,
    outHeight: ho,
    outWidth: wo,
    outChannels: cout,
  } = info;
  const cinp = Math.ceil(cin / 4) * 4;
  const coutp = Math.ceil(cout / 8) * 8;
  const tiles = n * Math.ceil(ho / 4) * Math.ceil(wo / 4);
  const slices = Math.min(simd.threads, tiles);
  const uBytes = POSITIONS * cinp * coutp * 4;
  const vStride = BLOCK_TILES * cinp * 4 + MATRIX_SKEW;
  const mStride = BLOCK_TILES * coutp * 4 + MATRIX_SKEW;
  const slot = POSITIONS * (vStride + mStride);
  return wasmKernel(backend, (ops) => {
    const y = ops.empty(info.outShape);
    if (tiles === 0) return y;
    const scratch = ops.empty([(uBytes + slices * slot) / 4]);
    const u = ops.address(scratch);
    simd.run('winogradFilter', [ops.address(inputs.filter), u, cin, cout], cinp);
    const biasAddress = inputs.bias === undefined ? 0 : ops.address(inputs.bias);
    simd.run(
      'winogradConv2d',
      [
        ...[ops.address(inputs.x), u, biasAddress, ops.address(y), u + uBytes],
        ...[n, h, w, cin, ho, wo, cout, info.padInfo.top, info.padInfo.left],
        ...[inputs.bias === undefined ? 0 : 1, activation, BLOCK_TILES, slices, slot, vStride, mStride],
      ],
      slices,
    );
    return y;
  });
}

export const fusedConv2DConfig: tf.KernelConfig = {
  kernelName: tf.FusedConv2D,
  backendName: 'wasm',
  kernelFunc: conv2d(tf.FusedConv2D),
};

export const conv2DConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d(tf.Conv2D),
};
