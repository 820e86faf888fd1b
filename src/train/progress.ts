import cliProgress from 'cli-progress';
import { info } from '../log.js';

/**
 * Training progress: a live bar on a terminal, a plain line every few seconds otherwise (CI logs,
 * files), and one summary line per epoch either way.
 */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly quiet: boolean,
    private readonly tty: boolean = Boolean(process.stderr.isTTY),
  ) {}

  startEpoch(epoch: number, epochs: number, steps: number, startAt: number): void {
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
      info(`${this.label} step ${done}/${steps} loss ${loss.toFixed(4)} ${Math.round(imagesPerSecond)} img/s`);
    }
  }

  endEpoch(line: string): void {
    this.bar?.stop();
    this.bar = null;
    if (!this.quiet) info(`${this.label} ${line}`);
  }
}
