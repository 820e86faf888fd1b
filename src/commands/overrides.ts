import type { Argv } from 'yargs';
import { overrideValue, parseOverride, specFields, type Override } from '../config/overrides.js';
import { UsageError } from '../errors.js';

/**
 * Named flags for the spec fields set most often, each the field it sets and its help. Every other
 * field is a flag too (`--optimizer.lr 0.1`), hidden from --help, and a `key=value` argument.
 */
const SHORTCUTS = {
  method: { field: 'method.name', describe: 'method.name: the loss (ce, etf-ce, cone, ...)' },
  epochs: { field: 'epochs', describe: 'epochs' },
  subset: { field: 'dataset.subset', describe: 'dataset.subset: class-balanced training subset size' },
  dataset: { field: 'dataset.name', describe: 'dataset.name' },
  seed: { field: 'seed', describe: 'seed: random seed' },
  backend: { field: 'backend', describe: "backend: compute backend (default: the spec's, else auto)" },
  threads: { field: 'threads', describe: 'threads: wasm threads (default: number of cores)' },
  out: { field: 'output', describe: "output: results folder (default: the spec's, else results/)" },
  imbalance: {
    field: 'longtail.imbalance',
    describe: 'longtail.imbalance: ρ = images of the largest class / of the smallest (>= 1)',
  },
  profile: {
    field: 'longtail.profile',
    describe: 'longtail.profile: exp (exponential decay) or step (half n_max, half n_max/ρ)',
  },
} as const;

type Shortcut = keyof typeof SHORTCUTS;

/** The named flags of each command that takes spec fields. */
export const COMMAND_SHORTCUTS = {
  pretrain: ['method', 'epochs', 'subset', 'dataset', 'seed', 'backend', 'threads', 'out'],
  // --method is longtail's own option there: the methods to run.
  longtail: ['epochs', 'subset', 'dataset', 'seed', 'backend', 'threads', 'out', 'imbalance', 'profile'],
  // The flags of both, so that a command line given to `cone spec` prints what it would run.
  spec: ['method', 'epochs', 'subset', 'dataset', 'seed', 'backend', 'threads', 'out', 'imbalance', 'profile'],
  // --out is the results root of a suite there; grid fields are refused when overridden.
  run: ['seed', 'backend', 'threads'],
} as const satisfies Record<string, readonly Shortcut[]>;

export type SpecCommand = keyof typeof COMMAND_SHORTCUTS;

/** The flag that sets each field on a command: its shortcut if it has one there, else the field's path. */
function flagsOf(shortcuts: readonly Shortcut[]): Map<string, string> {
  const flags = new Map<string, string>();
  const byField = new Map<string, string>(shortcuts.map((s) => [SHORTCUTS[s].field, s]));
  for (const field of specFields().keys()) flags.set(byField.get(field) ?? field, field);
  for (const s of shortcuts) flags.set(s, SHORTCUTS[s].field);
  return flags;
}

const EPILOG =
  'Any spec field can be set, after the file: key=value (method.theta=30 optimizer.lr=0.1 model.hidden=[64,64]) ' +
  'or --key value (--optimizer.lr 0.1). Values are YAML; the spec is validated as the file is. ' +
  '`cone spec <file>` with the same arguments prints the resolved spec and its run id.';

/** The `[overrides..]` positional and a flag for every spec field, the named shortcuts shown in --help. */
export function specFieldOptions<T>(y: Argv<T>, command: SpecCommand, help: Partial<Record<Shortcut, string>> = {}) {
  const shortcuts: readonly Shortcut[] = COMMAND_SHORTCUTS[command];
  const kinds = specFields();
  let out = y.positional('overrides', {
    type: 'string',
    array: true,
    describe: 'spec fields to set, as key=value (e.g. method.theta=30 optimizer.lr=0.1)',
  }) as Argv<T>;
  for (const [flag, field] of flagsOf(shortcuts)) {
    const shortcut = shortcuts.includes(flag as Shortcut) ? (flag as Shortcut) : undefined;
    const boolean = kinds.get(field) === 'boolean';
    out = out.option(flag, {
      type: boolean ? 'boolean' : 'string',
      // `--epochs` with no value would be '' (null as YAML); say that it needs one.
      requiresArg: !boolean,
      hidden: !shortcut,
      group: 'Spec fields:',
      describe: shortcut ? (help[shortcut] ?? SHORTCUTS[shortcut].describe) : field,
    });
  }
  return out.epilog(EPILOG);
}

/** The spec fields a command line sets: flags first, then key=value arguments; a field set twice is refused. */
export function overridesFrom(argv: Record<string, unknown>, command: SpecCommand): Override[] {
  const out: Override[] = [];
  for (const [flag, path] of flagsOf(COMMAND_SHORTCUTS[command])) {
    const v = argv[flag];
    if (v === undefined) continue;
    if (Array.isArray(v)) throw new UsageError(`--${flag}: given ${v.length} times; give it once`);
    if (typeof v === 'boolean') out.push({ path, value: v, from: v ? `--${flag}` : `--no-${flag}` });
    else out.push({ path, value: overrideValue(String(v), `--${flag} ${v}`), from: `--${flag} ${v}` });
  }
  out.push(...((argv.overrides as string[] | undefined) ?? []).map(parseOverride));
  const seen = new Map<string, string>();
  for (const o of out) {
    const before = seen.get(o.path);
    if (before) throw new UsageError(`${o.from}: ${o.path} is already set by ${before}; give it once`);
    seen.set(o.path, o.from);
  }
  return out;
}
