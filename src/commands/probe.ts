import type { CommandModule } from 'yargs';
import { initBackend } from '../backend/select.js';
import { featuresFolderOf } from '../pipelines/extract.js';
import { probeFeatures, type ProbeReport, type ProbeSettings } from '../pipelines/probe-run.js';
import { resolveSpec } from '../config/load.js';
import { PROBE_NAMES } from '../eval/probes/registry.js';
import { InterruptedError } from '../errors.js';
import { SignalStop } from '../util/interruption.js';
import { executionOptions, runAndExit, type ExecutionOptions, type GlobalOptions } from './common.js';
import { formatTable } from './table.js';
import { formatMetric } from '../util/units.js';
import { terminal } from './terminal.js';

interface Args extends GlobalOptions, ExecutionOptions {
  features: string[];
  probe?: string[];
  level?: 'fine' | 'coarse';
  C?: number;
  k?: number;
  normalise?: boolean;
}

/** Geometry shown in the side-by-side table: test split, training level, L2-normalised features. */
const HEADLINE_GEOMETRY = ['nc1', 'nc1_ratio', 'nc2_etf_err', 'angle_dir_mean', 'angle_mean_mean', 'in_cone_frac'];

const fmt = (metric: string, v: unknown) => formatMetric(metric, typeof v === 'number' ? v : null);

export function sideBySide(reports: ProbeReport[]): string {
  const header = ['', ...reports.map((r) => `${r.meta.method} s${r.meta.seed}`)];
  const probeNames = [...new Set(reports.flatMap((r) => r.probes.map((p) => String(p.probe))))];
  const level = reports[0]?.probes[0]?.level ?? 'fine';
  const rows = probeNames.map((name) => [
    `${level} ${name}`,
    ...reports.map((r) => fmt(`${level}.${name}`, r.probes.find((p) => p.probe === name)?.accuracy)),
  ]);
  for (const col of HEADLINE_GEOMETRY) {
    rows.push([
      col,
      ...reports.map((r) =>
        fmt(
          col,
          r.geometry.find((g) => g.split === 'test' && g.level === r.meta.train_level && g.features === 'l2')?.[col],
        ),
      ),
    ]);
  }
  return formatTable(header, rows);
}

export const probeCommand: CommandModule<GlobalOptions, Args> = {
  command: 'probe',
  describe:
    'fit probes on train features, score them on test features (fine level by default), and measure the geometry',
  builder: (y) =>
    executionOptions(y)
      .option('features', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          'features folder(s) written by cone extract, or run folders holding one; several are shown side by side',
      })
      .option('probe', {
        type: 'string',
        array: true,
        choices: PROBE_NAMES,
        describe: 'probes to run (default: all)',
        coerce: (v: string[]) => v.flatMap((s) => s.split(',')),
      })
      .option('level', { choices: ['fine', 'coarse'] as const, describe: 'label level to probe (default fine)' })
      .option('C', {
        type: 'number',
        requiresArg: true,
        describe:
          'inverse L2 penalty of the linear-fixed probe (default 1, as scikit-learn); linear and linear-std choose theirs',
      })
      .option('k', { type: 'number', requiresArg: true, describe: 'neighbours of the kNN probe (default 20)' })
      .option('normalise', {
        type: 'boolean',
        describe: 'L2-normalise features for the linear, linear-fixed, ncc and kmeans probes (default true)',
      }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const out = terminal(argv);
      // The flags are a spec's probe block: its schema checks them (C > 0 and finite, k >= 1) and fills the rest.
      const given = { probes: argv.probe, level: argv.level, C: argv.C, k: argv.k, normalise: argv.normalise };
      const settings: ProbeSettings = resolveSpec(
        { probe: Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) },
        'cone probe',
        (field) => `--${field[1] === 'probes' ? 'probe' : field[1]}`,
      ).probe;
      await initBackend({ backend: argv.backend ?? 'auto', threads: argv.threads, log: out.warn });
      const reports: ProbeReport[] = [];
      // Ctrl-C (or a Slurm grace period's SIGTERM) stops the probes at their next interruption point:
      // exit 130 with nothing of that folder written. A signal after the last point finds the work done: exit 0.
      const stop = new SignalStop().listen();
      try {
        for (const dir of argv.features.map(featuresFolderOf)) {
          out.debug(`${dir}: probing (${settings.probes.join(', ')}) at the ${settings.level} level`);
          const r = await probeFeatures(dir, settings, stop.signal, out).catch((e) => {
            throw e instanceof InterruptedError
              ? new InterruptedError(
                  `${dir}: ${e.message} before its probe.csv, geometry.csv and angles.csv were written`,
                )
              : e;
          });
          out.info(`${dir}: wrote ${r.files.join(', ')}`);
          reports.push(r);
        }
      } finally {
        stop.release();
      }
      process.stdout.write(sideBySide(reports));
    }),
};
