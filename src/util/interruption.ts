import { InterruptedError } from '../errors.js';

/**
 * SIGINT/SIGTERM as a request to stop. While it listens, the first signal aborts `signal` (the
 * reason is the signal's name) and goes to `onSignal`; a second one exits at once (130). Listening
 * also keeps the first signal from ending the process (Node's default, or proper-lockfile's
 * signal-exit), so the work stops where nothing is half-written.
 */
export class SignalStop {
  private readonly controller = new AbortController();
  private readonly handler = (signal: NodeJS.Signals) => {
    if (this.controller.signal.aborted) process.exit(130);
    this.controller.abort(signal);
    this.onSignal(signal);
  };

  constructor(private readonly onSignal: (signal: NodeJS.Signals) => void = () => {}) {}

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

  /** Aborted by the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

/** Longest stretch of synchronous numeric work between two turns of the event loop. */
const TURN_MS = 100;
let lastTurn = performance.now();

/**
 * A point where long synchronous numeric work (the probes' L-BFGS iterations, kNN batches, k-means)
 * can stop: it throws InterruptedError once `signal` is aborted, and every TURN_MS it gives the event
 * loop a turn, without which no signal handler (nor a lock's refresh timer) could run. Cheap enough to
 * call once per iteration.
 */
export async function interruptionPoint(signal?: AbortSignal): Promise<void> {
  if (performance.now() - lastTurn >= TURN_MS) {
    await new Promise((resolve) => setImmediate(resolve));
    lastTurn = performance.now();
  }
  if (signal?.aborted) throw new InterruptedError(`interrupted (${String(signal.reason)})`);
}
