/**
 * Where a suite's cells run on a cluster: the suite's `launcher:` block (cone run --launcher slurm),
 * kept here beside the suite schema that embeds it; src/launch/settings.ts merges it with the flags
 * and checks what a schema cannot. Every value ends up on an `#SBATCH` line, so the patterns also
 * keep newlines and shell metacharacters out of the generated scripts.
 */
export const launcherSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    partition: { type: ['string', 'null'], pattern: '^[\\w.,-]+$', default: null, description: 'Slurm partition(s)' },
    time: {
      type: ['string', 'null'],
      default: null,
      description: 'time limit per cell, in a Slurm format (minutes, HH:MM:SS, D-HH:MM:SS)',
    },
    gres: {
      type: ['string', 'null'],
      pattern: '^[\\w.,:/-]+$',
      default: null,
      description: 'generic resources per cell, e.g. gpu:1',
    },
    cpus_per_task: { type: 'integer', minimum: 1, default: 1, description: 'cpus per cell; also its --threads' },
    mem: { type: ['string', 'null'], pattern: '^\\d+[KMGT]?$', default: null, description: 'memory per cell, e.g. 8G' },
    account: { type: ['string', 'null'], pattern: '^[\\w.-]+$', default: null },
    qos: { type: ['string', 'null'], pattern: '^[\\w.-]+$', default: null },
    max_running: {
      type: ['integer', 'null'],
      minimum: 1,
      default: null,
      description: 'cells running at once (the job array throttle)',
    },
    signal_before: {
      type: ['integer', 'null'],
      minimum: 1,
      default: null,
      description:
        'seconds before the time limit at which a cell checkpoints and requeues (default 120, at most a quarter of the limit)',
    },
    sbatch_args: {
      type: 'array',
      items: { type: 'string', pattern: '^--?[\\w-]+(=[^\\s\'"`$;&|<>\\\\]*)?$' },
      default: [],
      description: 'extra sbatch options, e.g. --constraint=a100',
    },
  },
} as const;

export interface LauncherSettings {
  partition: string | null;
  time: string | null;
  gres: string | null;
  cpus_per_task: number;
  mem: string | null;
  account: string | null;
  qos: string | null;
  max_running: number | null;
  signal_before: number | null;
  sbatch_args: string[];
}
