import type { CommandModule } from 'yargs';
import { DATASET_NAMES, describeDataset, fetchDataset, listDatasets, loadDataset } from '../data/registry.js';
import { runAndExit, seedOption, type GlobalOptions } from './common.js';
import { formatTable, wrapText } from './table.js';
import { terminal } from './terminal.js';

interface InfoArgs extends GlobalOptions {
  name: string;
  seed: number;
  path?: string;
  hierarchy?: string;
}

/** `cone datasets list` fits a terminal this wide (but a path longer than it). */
const LIST_WIDTH = 100;

const list: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'list',
  describe: 'every dataset, whether it is available here, where it is read from and how to get it',
  handler: (argv) =>
    runAndExit(argv, async () => {
      const datasets = listDatasets();
      const rows = datasets.map((d) => [d.name, d.available ? 'yes' : 'no', d.hierarchies.join(', ')]);
      // Paths and instructions are long: they go under the table, wrapped, so that it fits a terminal.
      const notes = datasets.map(
        (d) =>
          `${d.name}: ${d.source}\n${d.available ? '' : wrapText(`how to get it: ${d.howToGet}`, LIST_WIDTH, '  ')}`,
      );
      process.stdout.write(
        `${formatTable(['dataset', 'available', 'hierarchies'], rows)}\nwhere each is read from:\n${notes.join('')}`,
      );
    }),
};

const fetch: CommandModule<GlobalOptions, { name: string } & GlobalOptions> = {
  command: 'fetch <name>',
  describe: 'download and cache a dataset that cone can fetch (cifar10)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true, choices: DATASET_NAMES }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const where = await fetchDataset(argv.name, { log: terminal(argv).info });
      process.stdout.write(`${argv.name}: ready in ${where}\n`);
    }),
};

const infoCommand: CommandModule<GlobalOptions, InfoArgs> = {
  command: 'info <name>',
  describe: 'split sizes, class counts at each label level and the hierarchy of a dataset',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, choices: DATASET_NAMES })
      .option('path', { type: 'string', describe: 'folder to read from (fashion-mnist, cifar100)' })
      .option('hierarchy', { type: 'string', describe: "coarse grouping (default: the dataset's)" })
      .option('seed', seedOption('seed the synthetic dataset is generated from')),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const ds = describeDataset(
        await loadDataset({ name: argv.name, path: argv.path, hierarchy: argv.hierarchy, seed: argv.seed }),
      );
      const out: string[] = [
        `${ds.name}: samples of shape ${ds.shape.join('x')}, ${ds.name === 'synthetic' ? `generated from seed ${argv.seed}` : `read from ${ds.source}`}`,
        `train ${ds.train.n} images, test ${ds.test.n} images`,
        `fine classes: ${ds.fineNames.length}, coarse classes: ${ds.coarseNames.length} (hierarchy '${ds.hierarchy}')`,
        '',
      ];
      const coarseOf = (c: number) => ds.fineNames.filter((_, f) => ds.fineToCoarse[f] === c);
      const rows = ds.coarseNames.map((name, c) => [
        String(c),
        name,
        coarseOf(c).join(', '),
        String(ds.train.coarse[c]),
        String(ds.test.coarse[c]),
      ]);
      out.push(formatTable(['coarse', 'name', 'fine classes', 'train', 'test'], rows));
      const fineRows = ds.fineNames.map((name, f) => [
        String(f),
        name,
        ds.coarseNames[ds.fineToCoarse[f]],
        String(ds.train.fine[f]),
        String(ds.test.fine[f]),
      ]);
      out.push(formatTable(['fine', 'name', 'coarse', 'train', 'test'], fineRows));
      process.stdout.write(out.join('\n'));
    }),
};

const subcommands = [list, fetch, infoCommand];
/** Names of the `cone datasets` subcommands (the CLI's error messages point at their help). */
export const DATASETS_SUBCOMMANDS = subcommands.map((c) => String(c.command).split(' ')[0]);

export const datasetsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'datasets',
  describe: 'list, fetch and describe datasets',
  builder: (y) =>
    subcommands
      .reduce((acc, c) => acc.command(c as CommandModule<GlobalOptions, GlobalOptions>), y)
      .demandCommand(1, `datasets: name one of its commands: ${DATASETS_SUBCOMMANDS.join(', ')}`),
  handler: () => {},
};
