import { UsageError } from '../../errors.js';
import { etfAngleDeg, maxThetaDeg } from '../../model/etf.js';
import type { ParamInfo } from './types.js';

export const DEFAULTS = {
  /** Logit scale s for the cosine (ETF) losses. */
  scale: 16,
  /** theta defaults to this fraction of φ/2, the largest half-angle with disjoint cones. */
  thetaFractionOfMax: 0.8,
  label_smoothing: 0,
  mean_weight: 1,
  tau: 1,
} as const;

/** θ used when a spec leaves it null/undefined: 0.8 · φ/2 degrees. */
export function defaultThetaDeg(K: number): number {
  return DEFAULTS.thetaFractionOfMax * maxThetaDeg(K);
}

interface ParamRule {
  info: ParamInfo;
  /** Returns the value to use (default filled in) or throws a UsageError naming `method.<key>`. */
  resolve(value: unknown, numClasses: number): number;
}

export const PARAMS: Record<string, ParamRule> = {
  scale: {
    info: { default: DEFAULTS.scale, description: 'logit scale s: logits are s · cos(feature, class direction)' },
    resolve: (v) => numberIn('scale', v ?? DEFAULTS.scale, (x) => x > 0, 'a positive number'),
  },
  theta: {
    info: {
      default: null,
      description:
        'cone half-angle θ in degrees, below φ/2 = arccos(−1/(K−1))/2; ' +
        `null means ${DEFAULTS.thetaFractionOfMax} · φ/2`,
    },
    resolve: (v, K) => resolveTheta(v, K),
  },
  label_smoothing: {
    info: {
      default: DEFAULTS.label_smoothing,
      description: 'label smoothing ε in [0, 1): targets (1−ε)·onehot + ε/K',
    },
    resolve: (v) =>
      numberIn('label_smoothing', v ?? DEFAULTS.label_smoothing, (x) => x >= 0 && x < 1, 'a number in [0, 1)'),
  },
  mean_weight: {
    info: {
      default: DEFAULTS.mean_weight,
      description: "weight of the cross-entropy on each class's batch-mean direction",
    },
    resolve: (v) => numberIn('mean_weight', v ?? DEFAULTS.mean_weight, (x) => x >= 0, 'a number ≥ 0'),
  },
  tau: {
    info: {
      default: DEFAULTS.tau,
      description: 'logit-adjustment strength τ: training logits get + τ · log(class prior)',
    },
    resolve: (v) => numberIn('tau', v ?? DEFAULTS.tau, (x) => x >= 0, 'a number ≥ 0'),
  },
};

function resolveTheta(value: unknown, K: number): number {
  if (value === null || value === undefined) return defaultThetaDeg(K);
  const theta = numberIn('theta', value, (x) => x > 0, 'a positive number of degrees');
  const max = maxThetaDeg(K);
  if (theta >= max) {
    throw new UsageError(
      `method.theta: must be below ${floorTo1(max)} degrees for ${K} classes (got ${theta}), ` +
        `half the ${etfAngleDeg(K).toFixed(1)}° angle between ETF directions, or the class cones overlap`,
    );
  }
  return theta;
}

/** Rounded down so that "below X" is never contradicted by a value just under the printed bound. */
function floorTo1(x: number): string {
  return (Math.floor(x * 10) / 10).toFixed(1);
}

function numberIn(key: string, value: unknown, ok: (x: number) => boolean, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new UsageError(`method.${key}: must be ${what} (got ${JSON.stringify(value)})`);
  }
  return value;
}
