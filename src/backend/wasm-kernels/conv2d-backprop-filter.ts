import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor, type SimdKernels } from '../simd/index.js';
import { wasmKernel } from './wasm-ops.js';

type Shape4 = [number, number, number, number];

/**
 * Filter gradient as one forward convolution on XNNPACK (tfjs 4.22 has no wasm kernel for it):
 *   dW[i,j,c,o] = Σ_{n,p,q} x[n, p·s + i − padTop, q·s + j − padLeft, c] · dy[n,p,q,o]
 * is a convolution of x laid out as [Cin, H, W, N] (input channels as the batch, examples as the
 * channels) with dy laid out as [Ho, Wo, N, Cout] as the filter, dilated by the forward stride,
 * with the forward padding made explicit; its [Cin, kh, kw, Cout] result is transposed to the
 * filter's layout. tfjs never asks for this gradient with dilation > 1.
 *
 * Cost: XNNPACK packs its filter (here all of dy) on every call and streams it once per block of
 * output rows, so this runs at ~1.6–1.9× the forward convolution. Splitting the batch so the packed
 * slice stays in cache was measured too: no reliable gain, and a loss on 1-channel inputs.
 *
 * A single input channel (the first layer on grey images) gets a GEMM instead (`singleChannel`).
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  // Pad the far side so the output is exactly kh × kw (negative: rows the forward pass never read).
  const bottom = kh - 1 + (ho - 1) * sh + 1 - info.inHeight - top;
  const right = kw - 1 + (wo - 1) * sw + 1 - info.inWidth - left;
  const simd = simdKernelsFor(backend);
  if (simd !== null) return simdGemm(simd, backend, x, dy, info);
  if (info.inChannels === 1) return singleChannel(backend, x, dy, info, { bottom, right });
  return wasmKernel(backend, (ops) => {
    const xByChannel = ops.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = ops.transpose(dy, [1, 2, 0, 3]);
    const grad = ops.conv2d(xByChannel, dyAsFilter, {
      strides: [1, 1],
      dilations: [sh, sw],
      pads: [
        [top, bottom],
        [left, right],
      ],
    });
    return ops.transpose(grad, [1, 2, 0, 3]);
  });
}

/**
 * The project's SIMD kernel (kernels/conv2d-backprop-filter.ts): a K-blocked GEMM over the output
 * pixels reading x and dy in place, split over the threads by (filter tap, 4 input channels).
 */
function simdGemm(
  simd: SimdKernels,
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
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
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  return wasmKernel(backend, (ops) => {
    const dw = ops.empty([kh, kw, cin, cout]);
    const geometry = [n, h, w, cin, ho, wo, cout, kh, kw, sh, sw, info.padInfo.top, info.padInfo.left];
    simd.run(
      'conv2dBackpropFilter',
      [ops.address(x), ops.address(dy), ops.address(dw), ...geometry],
      kh * kw * Math.ceil(cin / 4),
    );
    return dw;
  });
}

/**
 * With one input channel the convolution above has a batch of 1 and packs all of dy for 9 output
 * rows (33 ms for 128×28×28 → 32 where the whole layer's forward pass takes 9). Here the kh·kw
 * shifted windows of x are the rows of one [kh·kw, N·Ho·Wo] matrix, and
 *   dW[i, j, 0, :] = window(i, j) · dy   (dy as [N·Ho·Wo, Cout])
 * is a single XNNPACK GEMM with dy packed once and read kh·kw/4 times (8 ms).
 */
function singleChannel(
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  far: { bottom: number; right: number },
): tf.TensorInfo {
  const {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    strideHeight: sh,
    strideWidth: sw,
    filterHeight: kh,
    filterWidth: kw,
    outHeight: ho,
    outWidth: wo,
    outChannels,
  } = info;
  const { top, left } = info.padInfo;
  return wasmKernel(backend, (ops) => {
    // A negative far pad is rows the windows never reach: nothing to add there.
    const paddings = [
      [0, 0],
      [top, Math.max(far.bottom, 0)],
      [left, Math.max(far.right, 0)],
    ];
    const padded = ops.run('PadV2', { x: ops.reshape(x, [n, h, w]) }, { paddings, constantValue: 0 });
    const windows: tf.TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = ops.run(
          'StridedSlice',
          { x: padded },
          {
            begin: [0, i, j],
            end: [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1],
            strides: [1, sh, sw],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        windows.push(ops.reshape(window, [1, n * ho * wo]));
      }
    }
    const rows = ops.run('Concat', windows, { axis: 0 });
    const grad = ops.matMul(rows, ops.reshape(dy, [n * ho * wo, outChannels]));
    return ops.reshape(grad, [kh, kw, 1, outChannels]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
