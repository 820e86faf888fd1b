import { datasetClassCounts } from '../data/registry.js';
import { isFixedEtfMethod, listLosses, resolveMethodParams } from '../train/losses/index.js';
import type { Spec } from './schema.js';

export interface Problem {
  field: string[];
  text: string;
}

/**
 * Keep only the method parameters that `method` uses. Applied when the method is chosen outside the
 * spec file (a --method flag, a suite grid): a spec written for cone (scale, theta) then still
 * drives ce, while a stray parameter written for the spec's own method stays an error.
 */
export function keepParamsOf(rawMethod: Record<string, unknown>, method: string): Record<string, unknown> {
  const params = listLosses().find((l) => l.name === method)?.params ?? {};
  return Object.fromEntries(Object.entries(rawMethod).filter(([k]) => k === 'name' || k in params));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Rules that span several fields. Replaces `method` by the name and the parameters that method
 * actually uses, defaults filled (θ in degrees for the training classes), so that the resolved
 * spec (and its hash) names what is computed.
 */
export function checkSpecSemantics(spec: Spec): Problem[] {
  const problems: Problem[] = [];
  let counts: { fine: number; coarse: number };
  try {
    counts = datasetClassCounts({ ...spec.dataset, seed: spec.seed });
  } catch (e) {
    return [{ field: ['dataset'], text: (e as Error).message }];
  }
  const classes = counts[spec.dataset.level];
  for (const field of ['subset', 'test_subset'] as const) {
    const size = spec.dataset[field];
    // Subsets are balanced over fine classes: a smaller one leaves a class out.
    if (size !== null && size < counts.fine)
      problems.push({
        field: ['dataset', field],
        text: `must be at least the ${counts.fine} fine classes, or a class has no sample (got ${size})`,
      });
  }
  const m = spec.method;
  if (isFixedEtfMethod(m.name) && spec.model.feature_dim < classes) {
    problems.push({
      field: ['model', 'feature_dim'],
      text: `must be at least the number of classes (${classes}) for the fixed ETF of '${m.name}' (got ${spec.model.feature_dim})`,
    });
  }
  try {
    const params = resolveMethodParams(m, classes);
    spec.method = { name: m.name, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, round(v, 4)])) };
  } catch (e) {
    // The registry's messages start with the field ("method.theta: ...").
    const [, key, text] = /^method\.(\w+): (.*)$/s.exec((e as Error).message) ?? [null, 'name', (e as Error).message];
    problems.push({ field: ['method', key], text });
  }
  const isImage = spec.dataset.name !== 'synthetic' || spec.dataset.synthetic.image;
  if (spec.model.name === 'cnn28' && !['mnist', 'fashion-mnist'].includes(spec.dataset.name)) {
    problems.push({
      field: ['model', 'name'],
      text: `cnn28 takes 28x28x1 images (mnist, fashion-mnist), not ${spec.dataset.name}; use resnet8/resnet20 for 32x32 colour images or mlp for synthetic`,
    });
  }
  if (spec.model.name.startsWith('resnet') && !isImage) {
    problems.push({ field: ['model', 'name'], text: `${spec.model.name} takes images; use mlp for synthetic data` });
  }
  // Synthetic images are allowed too, so that the augmentation path can be tested on tiny data.
  if (
    spec.augment &&
    !(['cifar10', 'cifar100'].includes(spec.dataset.name) || (spec.dataset.name === 'synthetic' && isImage))
  ) {
    problems.push({
      field: ['augment'],
      text: `random crop and flip are for 32x32 colour images (cifar10, cifar100) or synthetic images, not ${spec.dataset.name}`,
    });
  }
  if (spec.schedule.milestones.some((e) => e > spec.epochs)) {
    problems.push({
      field: ['schedule', 'milestones'],
      text: `every milestone must be within the ${spec.epochs} epochs (got ${spec.schedule.milestones.join(', ')})`,
    });
  }
  if (spec.schedule.warmup_epochs >= spec.epochs && spec.schedule.warmup_epochs > 0) {
    problems.push({
      field: ['schedule', 'warmup_epochs'],
      text: `must be fewer than the ${spec.epochs} epochs (got ${spec.schedule.warmup_epochs})`,
    });
  }
  const fewer = spec.longtail.few_threshold,
    many = spec.longtail.many_threshold;
  if (fewer !== null && many !== null && fewer > many) {
    problems.push({
      field: ['longtail', 'few_threshold'],
      text: `must not exceed many_threshold (${many}) (got ${fewer})`,
    });
  }
  // Class-balanced subsets need an image of every fine class (nc1 and the probes need every class).
  if (spec.track.every > 0 && spec.track.subset < counts.fine) {
    problems.push({
      field: ['track', 'subset'],
      text: `must be at least the number of fine classes (${counts.fine}) so every class is measured (got ${spec.track.subset})`,
    });
  }
  return problems;
}
