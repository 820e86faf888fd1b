import * as tf from '@tensorflow/tfjs';
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
 */
function conv2dBackpropFilter({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape as Shape4, strides, 1, pad, dimRoundingMode);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  // Pad the far side so the output is exactly kh × kw (negative: rows the forward pass never read).
  const bottom = kh - 1 + (ho - 1) * sh + 1 - info.inHeight - top;
  const right = kw - 1 + (wo - 1) * sw + 1 - info.inWidth - left;
  return wasmKernel(backend, (ops) => {
    const xByChannel = ops.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = ops.transpose(dy, [1, 2, 0, 3]);
    const grad = ops.conv2d(xByChannel, dyAsFilter, { strides: [1, 1], dilations: [sh, sw], pads: [[top, bottom], [left, right]] });
    return ops.transpose(grad, [1, 2, 0, 3]);
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter,
};
