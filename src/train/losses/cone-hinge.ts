import * as tf from '@tensorflow/tfjs';
import { fixedEtfLoss } from './fixed-etf-loss.js';
import { coneBounds, targetColumn } from './ops.js';
import type { LossDefinition } from './types.js';

/**
 * The bare cone constraint mean(relu(cos θ − u·w_y)). It has no scale: the loss is already in
 * cosine units and a scale would only rescale the learning rate; logits for prediction are the cosines.
 */
export const coneHinge: LossDefinition = {
  name: 'cone-hinge',
  description: 'hinge relu(cos θ − u·w_y) on the fixed ETF: zero inside the cone, linear pull outside',
  params: ['theta'],
  fixedEtf: true,
  create: (p, ctx) => {
    const { inner } = coneBounds(p.theta, ctx.numClasses);
    return fixedEtfLoss('cone-hinge', ctx, 1, ({ cos, targets }) =>
      tf.mean(tf.relu(tf.sub(inner, targetColumn(cos, targets)))),
    );
  },
};
