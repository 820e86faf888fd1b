import { SignalStop } from '../util/interruption.js';

/**
 * Ctrl-C handling for long runs: the first SIGINT/SIGTERM asks the loop to stop after the current
 * step (it then checkpoints and exits 130) and is passed to `onSignal` (to tell the user); a second
 * one exits at once.
 */
export class StopRequest extends SignalStop {
  constructor(
    private readonly extra: () => boolean = () => false,
    onSignal: (signal: NodeJS.Signals) => void = () => {},
  ) {
    super(onSignal);
  }

  get stopping(): boolean {
    return this.signal.aborted || this.extra();
  }
}
