import type { CommandModule } from 'yargs';
import { statusOf, type CellStatus } from '../launch/status.js';
import { outOption, runAndExit, type GlobalOptions } from './common.js';
import { formatTable } from './table.js';

interface Args extends GlobalOptions {
  suite: string;
  out: string;
  json: boolean;
}

function stateText(c: CellStatus): string {
  if (c.state === 'running')
    return c.detail ? `running: ${c.detail}` : `running (epoch ${Math.min(c.epoch + 1, c.epochs)} of ${c.epochs})`;
  if (c.state === 'done') return 'done';
  if (c.state === 'interrupted') return `interrupted after epoch ${c.epoch} of ${c.epochs}: ${c.detail}`;
  return c.detail ? `${c.state}: ${c.detail}` : c.state;
}

export const statusCommand: CommandModule<GlobalOptions, Args> = {
  command: 'status <suite>',
  describe:
    "one row per cell of a suite: done / running (epoch k of n) / failed (why) / pending, with its Slurm job's state",
  builder: (y) =>
    y
      .positional('suite', {
        type: 'string',
        demandOption: true,
        describe: 'suite folder (results/<suite>/) or suite file (its folder under --out)',
      })
      .option('out', { ...outOption('results folder a suite file was run into'), default: 'results' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object, for scripts' }),
  handler: (argv) =>
    runAndExit(argv, async () => {
      const s = statusOf(argv.suite, argv.out);
      if (argv.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      const rows = s.cells.map((c) => [
        c.cell,
        c.tuning ? `${c.run_id} (tuning)` : c.run_id,
        stateText(c),
        c.job ?? '-',
        c.slurm_state ? `${c.slurm_state}${c.slurm_reason ? ` (${c.slurm_reason})` : ''}` : '-',
      ]);
      process.stdout.write(formatTable(['cell', 'run', 'state', 'slurm job', 'slurm state'], rows));
      const count = (st: string) => s.cells.filter((c) => c.state === st).length;
      const counts = ['done', 'running', 'pending', 'interrupted', 'stopped', 'failed']
        .filter((st) => count(st))
        .map((st) => `${count(st)} ${st}`);
      process.stdout.write(`${s.suite}: ${s.cells.length} cells: ${counts.join(', ')} (${s.dir})\n`);
      if (s.waiting)
        process.stdout.write(
          `${s.waiting} more cells wait for their tuning (their run ids name the values it chooses); cone run submits them once it has ended\n`,
        );
      if (s.finalize)
        process.stdout.write(`finalize job ${s.finalize.job}: ${s.finalize.state ?? 'ended'}; log ${s.finalize.log}\n`);
      if (s.scheduler === 'squeue')
        process.stdout.write(
          'slurm: states from the queue only (sacct keeps no accounting here); ended jobs are judged by their run folders\n',
        );
      if (s.scheduler_error)
        process.stdout.write(`slurm: not reachable (${s.scheduler_error}); states from the run folders only\n`);
    }),
};
