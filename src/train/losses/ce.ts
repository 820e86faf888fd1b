import { linearHeadLoss } from './linear-head-loss.js';
import { crossEntropy } from './ops.js';
import type { LossDefinition } from './types.js';

export const ce: LossDefinition = {
  name: 'ce',
  description: 'softmax cross-entropy on a learnable linear head W·h + b: the usual baseline, expected to collapse',
  params: ['label_smoothing'],
  create: (p, ctx) =>
    linearHeadLoss('ce', ctx, (logits, targets) =>
      crossEntropy(logits, targets, { labelSmoothing: p.label_smoothing }),
    ),
};
