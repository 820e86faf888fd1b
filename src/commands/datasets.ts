import type { CommandModule } from 'yargs';
import { DATASET_NAMES, describeDataset, fetchDataset, listDatasets, loadDataset } from '../data/registry.js';
import { runAndExit, type GlobalOptions } from './common.js';
import { formatTable } from './table.js';
import { terminal } from './terminal.js';

interface InfoArgs extends GlobalOptions {
  name: string;
  path?: string;
  hierarchy?: string;
}

const list: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'list',
  describe: 'every dataset, whether it is available here, where it is read from and how to get it',
  handler: (argv) =>
    runAndExit(argv, async () => {
      const rows = listDatasets().map((d) => [
        d.name,
        d.available ? 'yes' : 'no',
        d.source,
        d.available ? '' : d.howToGet,
        d.hierarchies.join(', '),
      ]);
      process.stdout.write(formatTable(['dataset', 'available', 'read from', 'how to get it', 'hierarchies'], rows));
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
      .option('hierarchy', { type: 'string', describe: "coarse grouping (default: the dataset's)" }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const ds = describeDataset(
        await loadDataset({ name: argv.name, path: argv.path, hierarchy: argv.hierarchy, seed: argv.seed ?? 0 }),
      );
      const out: string[] = [
        `${ds.name}: ${ds.shape.join('x')} from ${ds.source}`,
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

export const datasetsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'datasets <command>',
  describe: 'list, fetch and describe datasets',
  builder: (y) => y.command(list).command(fetch).command(infoCommand).demandCommand(1),
  handler: () => {},
};
