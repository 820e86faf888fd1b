import * as tf from '@tensorflow/tfjs';

/**
 * The gradient of a mean: dy/n spread over the reduced axes. tfjs builds it as
 * (dy · ones(x.shape)) / n, three full-size passes; dividing the small dy first and broadcasting
 * once (one `Tile`) gives bit-identical values.
 */
export const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as tf.MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, keptShape), reduceSize), x.shape) };
  },
};
