import * as tf from '@tensorflow/tfjs';
import { fixedEtfLoss } from './fixed-etf-loss.js';
import { coneBounds, coneLogits, crossEntropy } from './ops.js';
import type { LossDefinition } from './types.js';

/**
 * Cross-entropy with the target logit s·(cos θ − |u·w_y − cos θ|), which peaks on the cone surface,
 * so features are pushed *onto* the cone rather than merely into it.
 *
 * Choice: the other logits are clipped exactly as in `cone`, s·max(u·w_j, cos(φ − θ)). A feature on
 * its own cone surface is then at least φ − θ from every other direction, so those logits are
 * constant there and the only force left is the target term's pull toward the surface; unclipped
 * they would keep pushing the feature toward −w_j and off the surface.
 */
export const coneSurface: LossDefinition = {
  name: 'cone-surface',
  description: 'cross-entropy whose target logit peaks on the cone surface; other logits clipped as in cone',
  params: ['scale', 'theta'],
  fixedEtf: true,
  create: (p, ctx) => {
    const bounds = coneBounds(p.theta, ctx.numClasses);
    const onSurface = (cos: tf.Tensor2D) => tf.sub<tf.Tensor2D>(bounds.inner, tf.abs(tf.sub(cos, bounds.inner)));
    return fixedEtfLoss('cone-surface', ctx, p.scale, ({ cos, targets }) =>
      crossEntropy(coneLogits(cos, targets, p.scale, bounds, onSurface), targets),
    );
  },
};
