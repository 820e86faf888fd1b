import * as tf from '@tensorflow/tfjs';
import { wasmKernel, type WasmOps } from './wasm-ops.js';

type Shape4 = [number, number, number, number];

/**
 * dy with (stride − 1) zeros after every row and column: [N, Ho·sh, Wo·sw, C]. The trailing zeros
 * past the last row/column are accounted for in the caller's padding.
 */
function zeroUpsample(ops: WasmOps, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const spread = ops.reshape(dy, [n, ho, 1, wo, 1, c]);
  const padded = ops.run(
    'PadV2',
    { x: spread },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return ops.reshape(padded, [n, ho * sh, wo * sw, c]);
}

/**
 * Input gradient as one forward convolution on XNNPACK (the stock wasm kernel is a scalar loop):
 * dx is the stride-1 convolution of the zero-upsampled dy with the spatially reversed filter whose
 * in/out channels are swapped, padded "full" (kernel − 1 − forward padding before). Gradients of
 * conv2d in tfjs never have dilation > 1.
 */
function conv2dBackpropInput({ inputs, backend, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropInput supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as Shape4,
    filter.shape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const before = [kh - 1 - top, kw - 1 - left];
  // Output size h = upsampled length + before + after − (k − 1); the upsampled dy is Ho·s long.
  const after = [h - dy.shape[1] * sh - before[0] + kh - 1, w - dy.shape[2] * sw - before[1] + kw - 1];
  return wasmKernel(backend, (ops) => {
    const reversed = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = ops.transpose(reversed, [0, 1, 3, 2]);
    const upsampled = zeroUpsample(ops, dy, sh, sw);
    return ops.conv2d(upsampled, swapped, {
      strides: [1, 1],
      dilations: [1, 1],
      pads: [
        [before[0], after[0]],
        [before[1], after[1]],
      ],
    });
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
};
