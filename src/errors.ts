/**
 * Errors a user can act on. Commands map them to one line and an exit code;
 * anything else is a bug and gets a stack trace under --verbose.
 */
export class ConeError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line or spec: exit 2. */
export class UsageError extends ConeError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Something went wrong while doing the work (missing/corrupt data, NaN loss, I/O): exit 1. */
export class RunError extends ConeError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The user interrupted (SIGINT/SIGTERM): exit 130 after saving. */
export class InterruptedError extends ConeError {
  constructor(message: string) {
    super(message, 130);
  }
}
