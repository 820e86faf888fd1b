import { Ajv } from 'ajv';
import { launcherSchema, type LauncherSettings } from '../config/launcher.js';
import { UsageError } from '../errors.js';

export type { LauncherSettings };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, strictNumbers: true });
const validate = ajv.compile(launcherSchema);

/** Default warning before a time limit: long enough to finish a step and write a checkpoint. */
const DEFAULT_SIGNAL_BEFORE = 120;

/**
 * A Slurm time limit in seconds. Slurm accepts "M", "M:S", "H:M:S", "D-H", "D-H:M" and "D-H:M:S".
 * Returns null for anything else.
 */
export function parseSlurmTime(t: string): number | null {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t.trim());
  if (!m) return null;
  const [, d, a, b, c] = m;
  const n = (x: string | undefined) => (x === undefined ? 0 : Number(x));
  if (d !== undefined) return n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c); // D-H[:M[:S]]
  if (c !== undefined) return n(a) * 3600 + n(b) * 60 + n(c); // H:M:S
  if (b !== undefined) return n(a) * 60 + n(b); // M:S
  return n(a) * 60; // M
}

/**
 * Validate the suite's block merged with the flags (flags win) and fill defaults; every problem is one
 * line naming where the value came from and the field.
 */
export function resolveLauncher(
  block: Record<string, unknown> | undefined,
  flags: Partial<LauncherSettings>,
  source: string,
): LauncherSettings {
  const merged: Record<string, unknown> = { ...(block ?? {}) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  if (!validate(merged)) {
    const problems = (validate.errors ?? []).map((e) => {
      const field = e.instancePath.split('/').filter(Boolean).join('.');
      const extra =
        e.keyword === 'additionalProperties'
          ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
          : '';
      return `${source}: launcher${field ? `.${field}` : ''}: ${e.message}${extra}`;
    });
    throw new UsageError([...new Set(problems)].join('\n'));
  }
  const s = merged as unknown as LauncherSettings;
  if (s.time !== null) {
    const limit = parseSlurmTime(s.time);
    if (limit === null || limit === 0)
      throw new UsageError(
        `${source}: launcher.time: '${s.time}' is not a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS)`,
      );
    if (s.signal_before !== null && s.signal_before >= limit) {
      throw new UsageError(
        `${source}: launcher.signal_before: ${s.signal_before} s is not before the time limit ${s.time} (${limit} s); make it shorter`,
      );
    }
  }
  return s;
}

/** Seconds before the time limit at which Slurm warns a cell. */
export function signalBefore(s: LauncherSettings): number {
  if (s.signal_before !== null) return s.signal_before;
  const limit = s.time === null ? null : parseSlurmTime(s.time);
  return limit === null ? DEFAULT_SIGNAL_BEFORE : Math.max(1, Math.min(DEFAULT_SIGNAL_BEFORE, Math.floor(limit / 4)));
}
