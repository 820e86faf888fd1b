/**
 * Ctrl-C handling for long runs: the first SIGINT/SIGTERM asks the loop to stop after the current
 * step (it then checkpoints and exits 130) and is passed to `onSignal` (to tell the user); a second
 * one exits at once.
 */
export class StopRequest {
  private requested: string | null = null;
  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.requested) process.exit(130);
    this.requested = signal;
    this.onSignal(signal);
  };

  constructor(
    private readonly extra: () => boolean = () => false,
    private readonly onSignal: (signal: NodeJS.Signals) => void = () => {},
  ) {}

  /** Listen for signals until `release()`. */
  listen(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    return this;
  }

  release(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  get stopping(): boolean {
    return this.requested !== null || this.extra();
  }
}
