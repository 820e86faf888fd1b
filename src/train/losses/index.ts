import { closest, distance } from 'fastest-levenshtein';
import { UsageError } from '../../errors.js';
import { ce } from './ce.js';
import { coneHinge } from './cone-hinge.js';
import { coneMean } from './cone-mean.js';
import { coneSurface } from './cone-surface.js';
import { cone } from './cone.js';
import { etfCe } from './etf-ce.js';
import { laCe } from './la-ce.js';
import { PARAMS } from './params.js';
import type { Loss, LossContext, LossDefinition, MethodSpec, ParamInfo, ResolvedParams } from './types.js';

export { DEFAULTS, defaultThetaDeg } from './params.js';
export type { Loss, LossContext, LossDefinition, MethodSpec, ParamInfo, ResolvedParams } from './types.js';

/** Every loss, in the order `listLosses()` reports them. A new loss is one file plus one entry here. */
const REGISTRY: LossDefinition[] = [ce, etfCe, cone, coneHinge, coneSurface, coneMean, laCe];

/**
 * Adds a loss defined outside this folder (tests, plugins). Method names and the ETF set are read
 * from the registry, so everything that validates specs sees it once it is registered.
 */
export function registerLoss(definition: LossDefinition): void {
  if (REGISTRY.some((d) => d.name === definition.name))
    throw new UsageError(`loss ${definition.name} is already registered`);
  REGISTRY.push(definition);
}

/** The method names a spec may give, in registry order. */
export function methodNames(): string[] {
  return REGISTRY.map((d) => d.name);
}

/** Whether a method's classifier is the fixed simplex ETF (it then needs feature_dim >= K). */
export function isFixedEtfMethod(name: string): boolean {
  return REGISTRY.some((d) => d.name === name && d.fixedEtf === true);
}

/** Builds the loss a method spec names, with its parameters defaulted and validated for ctx.numClasses. */
export function createLoss(spec: MethodSpec, ctx: LossContext): Loss {
  return lossDefinition(spec.name).create(resolveMethodParams(spec, ctx.numClasses), ctx);
}

/**
 * The numeric parameters a method runs with: defaults filled in (theta in degrees for K classes),
 * every value validated. A key that belongs to no parameter of this loss is a UsageError unless it
 * is null, so a typo or a knob of another method never silently does nothing.
 */
export function resolveMethodParams(spec: MethodSpec, numClasses: number): ResolvedParams {
  const definition = lossDefinition(spec.name);
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'name' || value === null || value === undefined || definition.params.includes(key)) continue;
    const known = definition.params.length > 0 ? definition.params.join(', ') : 'none';
    throw new UsageError(`method.${key}: not a parameter of ${definition.name} (its parameters: ${known})`);
  }
  return Object.fromEntries(definition.params.map((key) => [key, PARAMS[key].resolve(spec[key], numClasses)]));
}

export function listLosses(): { name: string; params: Record<string, ParamInfo>; description: string }[] {
  return REGISTRY.map((d) => ({
    name: d.name,
    description: d.description,
    params: Object.fromEntries(d.params.map((key) => [key, PARAMS[key].info])),
  }));
}

function lossDefinition(name: unknown): LossDefinition {
  const found = REGISTRY.find((d) => d.name === name);
  if (found) return found;
  const names = REGISTRY.map((d) => d.name);
  const guess = typeof name === 'string' ? closest(name, names) : undefined;
  const hint = guess !== undefined && distance(String(name), guess) <= 3 ? `; did you mean "${guess}"?` : '';
  throw new UsageError(`method.name: unknown loss ${JSON.stringify(name)} (known: ${names.join(', ')})${hint}`);
}
