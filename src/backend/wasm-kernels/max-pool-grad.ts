import * as tf from '@tensorflow/tfjs';
import { stockKernel, wasmKernel, type WasmOps } from './wasm-ops.js';

type Shape4 = [number, number, number, number];

/** Rows/columns to add (positive) or drop (negative) after the input so the windows tile it exactly. */
interface Fit {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** x padded with −∞ (never a maximum) or cropped to exactly the tiled region. */
function toTiles(ops: WasmOps, x: tf.TensorInfo, fit: Fit): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const kept =
    fit.bottom < 0 || fit.right < 0
      ? ops.run(
          'Slice',
          { x },
          { begin: [0, 0, 0, 0], size: [n, h + Math.min(fit.bottom, 0), w + Math.min(fit.right, 0), c] },
        )
      : x;
  const pads = [
    [0, 0],
    [fit.top, Math.max(fit.bottom, 0)],
    [fit.left, Math.max(fit.right, 0)],
    [0, 0],
  ];
  if (pads.flat().every((p) => p === 0)) return kept;
  return ops.run('PadV2', { x: kept }, { paddings: pads, constantValue: -Infinity });
}

/** The inverse of toTiles for a gradient: padding dropped, cropped rows given zero gradient. */
function fromTiles(ops: WasmOps, dx: tf.TensorInfo, fit: Fit): tf.TensorInfo {
  const [n, ht, wt, c] = dx.shape;
  const unpadded =
    fit.top > 0 || fit.left > 0 || fit.bottom > 0 || fit.right > 0
      ? ops.run(
          'Slice',
          { x: dx },
          {
            begin: [0, fit.top, fit.left, 0],
            size: [n, ht - fit.top - Math.max(fit.bottom, 0), wt - fit.left - Math.max(fit.right, 0), c],
          },
        )
      : dx;
  if (fit.bottom >= 0 && fit.right >= 0) return unpadded;
  const paddings = [
    [0, 0],
    [0, Math.max(-fit.bottom, 0)],
    [0, Math.max(-fit.right, 0)],
    [0, 0],
  ];
  return ops.run('PadV2', { x: unpadded }, { paddings, constantValue: 0 });
}

/**
 * Max-pool gradient for non-overlapping windows (the usual 2×2 stride-2 pool) from XNNPACK
 * broadcasting arithmetic and one max-pool; the stock kernel walks every window in scalar code
 * (~65 ms for 128×28×28×32) and, with overlapping windows, was seen to drop gradient at some
 * positions. With x padded/cropped to the windows, viewed as [N, Ho, kh, Wo, kw, C], and the pooled
 * max broadcast over each window:
 *   isMax  = 1 − step(max − x)                  (exact: max − x is 0 only at a maximum)
 *   code   = isMax · (K − offset)               (offset = i·kw + j within the window, K = kh·kw)
 *   chosen = 1 − step(maxpool(code) − code)     (the first maximum in row-major window order,
 *                                                which is where the cpu backend sends dy)
 *   dx     = dy − dy · (1 − chosen)
 * Overlapping windows (stride < window) use the stock kernel.
 */
function maxPoolGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw } = info;
  if (kh !== info.strideHeight || kw !== info.strideWidth || input.dtype !== 'float32') {
    return stockKernel(tf.MaxPoolGrad).kernelFunc(args) as tf.TensorInfo;
  }
  const { top, left } = info.padInfo;
  const fit: Fit = { top, left, bottom: ho * kh - top - h, right: wo * kw - left - w };
  const perWindow = [n, ho, 1, wo, 1, c];
  return wasmKernel(backend, (ops) => {
    const step = (x: tf.TensorInfo) => ops.run('Step', { x }, { alpha: 0 });
    const x = ops.reshape(toTiles(ops, input, fit), [n, ho, kh, wo, kw, c]);
    const notMax = step(ops.run('Sub', { a: ops.reshape(output, perWindow), b: x }));
    const rank = ops.constant(
      Array.from({ length: kh * kw }, (_, k) => kh * kw - k),
      [1, 1, kh, 1, kw, 1],
    );
    const code = ops.run('Sub', { a: rank, b: ops.run('Multiply', { a: notMax, b: rank }) });
    const tiled = [n, ho * kh, wo * kw, c];
    const first = ops.run(
      'MaxPool',
      { x: ops.reshape(code, tiled) },
      { filterSize: [kh, kw], strides: [kh, kw], pad: 'valid' },
    );
    const notChosen = step(ops.run('Sub', { a: ops.reshape(first, perWindow), b: code }));
    const dyWindow = ops.reshape(dy, perWindow);
    const dx = ops.run('Sub', { a: dyWindow, b: ops.run('Multiply', { a: dyWindow, b: notChosen }) });
    return fromTiles(ops, ops.reshape(dx, tiled), fit);
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
