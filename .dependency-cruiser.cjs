// The import direction of src/ (docs/design.md §7), checked by `npm run deps`. A folder may import
// only folders below it; each rule names a folder and what it must not import.
const below = (from, allowed) => ({ from, allowed });
const layers = {
  // Foundations: no project imports except errors/util; log sits on io (its file name, making its folder).
  errors: below('^src/errors\\.ts$', []),
  reporter: below('^src/reporter\\.ts$', []),
  util: below('^src/util/', ['errors']),
  log: below('^src/log\\.ts$', ['errors', 'util', 'io']),
  io: below('^src/io/', ['errors', 'util']),
  backend: below('^src/backend/', ['errors', 'util', 'io']),
  data: below('^src/data/', ['errors', 'util', 'io']),
  model: below('^src/model/', ['errors', 'util']),
  // The loss and probe registries sit under train/ and eval/ but below config/ (config validates
  // method and probe names with them).
  losses: below('^src/train/losses/', ['errors', 'util', 'model']),
  config: below('^src/config/', ['errors', 'util', 'io', 'backend', 'data', 'model', 'train/losses', 'eval/probes/registry']),
  eval: below('^src/eval/', ['errors', 'util', 'io']),
  train: below('^src/train/(?!losses/)', ['errors', 'util', 'reporter', 'log', 'io', 'backend', 'data', 'model', 'config', 'train']),
  pipelines: below('^src/pipelines/', ['errors', 'util', 'reporter', 'log', 'io', 'backend', 'data', 'model', 'config', 'train', 'eval']),
  report: below('^src/report/', ['errors', 'util', 'io']),
  suite: below('^src/suite/', ['errors', 'util', 'reporter', 'log', 'io', 'config', 'eval', 'pipelines', 'report']),
  // A launcher (e.g. Slurm) submits suites and pipelines: beside/above suite.
  launch: below('^src/launch/', ['errors', 'util', 'log', 'io', 'config', 'pipelines', 'suite']),
  bench: below('^src/bench/', ['errors', 'util', 'log', 'io', 'backend', 'model', 'config', 'train']),
  commands: below('^src/commands/', ['errors', 'util', 'reporter', 'log', 'io', 'backend', 'data', 'model', 'config', 'train', 'eval', 'pipelines', 'report', 'suite', 'launch', 'bench']),
};
const own = {
  errors: 'errors\\.ts$',
  reporter: 'reporter\\.ts$',
  log: 'log\\.ts$',
  'io/run-layout': 'io/run-layout\\.ts$',
  'eval/probes/registry': 'eval/probes/registry\\.ts$',
};
const target = (name) => `^src/${own[name] ?? `${name}/`}`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'no-orphans', severity: 'error', from: { orphan: true, path: '^src/', pathNot: '^src/cli\\.ts$' }, to: {} },
    ...Object.entries(layers).map(([name, { from, allowed }]) => ({
      name: `${name}-imports-below-only`,
      comment: `src/${name} may import only: ${allowed.join(', ') || 'nothing of the project'} (docs/design.md §7)`,
      severity: 'error',
      from: { path: from },
      to: {
        path: '^src/',
        pathNot: [`${from.replace(/\(\?!losses\/\)$/, '')}`, ...allowed.map(target)],
      },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
