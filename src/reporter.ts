/**
 * Where library code sends what a person watching should see (notices, training progress). Library
 * code never prints: the commands pass a Reporter down, and theirs writes to the terminal
 * (src/commands/terminal.ts). What a run records for later goes to its log.jsonl (log.ts) instead.
 */
export interface Reporter {
  /** Progress and notices (a run started, resumed, was already done; files written). */
  info(message: string): void;
  /** Something that went otherwise than asked (a backend fallback, a cell that failed). */
  warn(message: string): void;
  /** The progress of one training run, named `run` (its run id) in what it shows. */
  training(run: string): TrainingProgress;
}

/** The events of one training run, in the order the trainer emits them. */
export interface TrainingProgress {
  /** Epoch `epoch` (1-based) of `epochs` begins, `steps` steps long, at step `startAt` (non-zero when resumed). */
  epochStart(epoch: number, epochs: number, steps: number, startAt: number): void;
  /** `done` steps of the epoch finished; `loss` is the epoch's running mean. */
  step(done: number, steps: number, loss: number, imagesPerSecond: number): void;
  /** The epoch finished; `summary` is its one-line account (losses, accuracies, speed). */
  epochEnd(summary: string): void;
  /** A stop signal arrived: the run stops after the current step and saves a checkpoint. */
  stopping(signal: NodeJS.Signals): void;
}

const SILENT_PROGRESS: TrainingProgress = { epochStart() {}, step() {}, epochEnd() {}, stopping() {} };

/**
 * Reports nowhere. The explicit default of library functions called without a reporter: tests, and
 * library callers that want only results. Every command passes its terminal reporter instead.
 */
export const SILENT: Reporter = { info() {}, warn() {}, training: () => SILENT_PROGRESS };
