import * as tf from '@tensorflow/tfjs';
import { fixedEtfLoss } from './fixed-etf-loss.js';
import { crossEntropy } from './ops.js';
import type { LossDefinition } from './types.js';

/** Cross-entropy on s·(W u) with W a fixed simplex ETF: `cone` without the clipping. */
export const etfCe: LossDefinition = {
  name: 'etf-ce',
  description: 'cross-entropy on s·cos(feature, ETF direction) with a fixed simplex ETF: separation plus collapse',
  params: ['scale'],
  fixedEtf: true,
  create: (p, ctx) =>
    fixedEtfLoss('etf-ce', ctx, p.scale, ({ cos, targets }) => crossEntropy(tf.mul(cos, p.scale), targets)),
};
