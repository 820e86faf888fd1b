import { fixedEtfLoss } from './fixed-etf-loss.js';
import { coneBounds, coneLogits, crossEntropy } from './ops.js';
import type { LossDefinition } from './types.js';

/**
 * The maximal-separating-cone loss: cross-entropy on clipped cosine logits against a fixed ETF,
 *
 *     z_y = s · min(u·w_y, cos θ),   z_j = s · max(u·w_j, cos(φ − θ)) for j ≠ y.
 *
 * A feature strictly inside the cone of half-angle θ around its class direction has every logit
 * clipped, hence constant loss and exactly zero gradient; outside, it is pulled in as by `etf-ce`.
 *
 * This formula is the project's own reconstruction from the geometry the paper's abstract describes
 * (fixed maximally separated directions, and a loss that stops pulling a feature toward its class
 * direction once it is inside the class cone); it is not a published formula. See docs/design.md §1.
 */
export const cone: LossDefinition = {
  name: 'cone',
  description: 'cross-entropy on ETF cosine logits clipped at the cone of half-angle θ: no pull inside the cone',
  params: ['scale', 'theta'],
  fixedEtf: true,
  create: (p, ctx) => {
    const bounds = coneBounds(p.theta, ctx.numClasses);
    return fixedEtfLoss('cone', ctx, p.scale, ({ cos, targets }) =>
      crossEntropy(coneLogits(cos, targets, p.scale, bounds), targets),
    );
  },
};
