import cliProgress from 'cli-progress';
import type { TrainingProgress } from '../reporter.js';

/**
 * Training progress on the terminal: a live bar on a terminal, a plain line every few seconds
 * otherwise (CI logs, files), and one summary line per epoch either way; all on stderr.
 */
export class TerminalTrainingProgress implements TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly quiet: boolean,
    private readonly info: (message: string) => void,
    private readonly tty: boolean = Boolean(process.stderr.isTTY),
  ) {}

  epochStart(epoch: number, epochs: number, steps: number, startAt: number): void {
    if (this.quiet || !this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${this.label} epoch ${epoch}/${epochs} [{bar}] {value}/{total} loss {loss} {ips} img/s ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(steps, startAt, { loss: '-', ips: '-' });
  }

  step(done: number, steps: number, loss: number, imagesPerSecond: number): void {
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(done, { loss: loss.toFixed(4), ips: Math.round(imagesPerSecond) });
      return;
    }
    const now = Date.now();
    if (now - this.lastLine > 10_000) {
      this.lastLine = now;
      this.info(`${this.label} step ${done}/${steps} loss ${loss.toFixed(4)} ${Math.round(imagesPerSecond)} img/s`);
    }
  }

  epochEnd(summary: string): void {
    this.bar?.stop();
    this.bar = null;
    if (!this.quiet) this.info(`${this.label} ${summary}`);
  }

  /** Said even with --quiet; the leading newline ends a bar's line. */
  stopping(signal: NodeJS.Signals): void {
    process.stderr.write(
      `\n${signal}: stopping after this step and saving a checkpoint (press Ctrl-C again to quit at once)\n`,
    );
  }
}
