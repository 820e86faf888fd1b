/**
 * Errors a user can act on. Commands map them to one line and an exit code;
 * anything else is a bug and gets a stack trace under --verbose.
 */
export class ConeError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
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

/** Training diverged (a loss that is not finite): an outcome of the settings (a tuning run's lr is too high); exit 1. */
export class DivergedError extends RunError {}

/** The user interrupted (SIGINT/SIGTERM): exit 130 after saving. */
export class InterruptedError extends ConeError {
  constructor(message: string) {
    super(message, 130);
  }
}

/** Plain words for the file-system errors a user can fix; anything else stays an internal error. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device (disk full); free some space and run the command again',
  EDQUOT: 'disk quota exceeded; free some space and run the command again',
  EROFS: 'read-only file system; choose a writable folder (--out)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of this path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error of the device',
  EMFILE: 'too many open files',
};

/** "what went wrong (CODE)" for a file-system error, or null when it is not one. */
export function systemErrorText(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && Object.hasOwn(SYSTEM_ERRORS, code) ? `${SYSTEM_ERRORS[code]} (${code})` : null;
}

/**
 * A file-system error as a one-line I/O error (exit 1) naming its path; null for anything else.
 * This is where every command maps Node's errno errors (see runAndExit).
 */
export function fromSystemError(e: unknown): RunError | null {
  const text = systemErrorText(e);
  if (!text) return null;
  const file = (e as NodeJS.ErrnoException).path;
  const err = new RunError(`${file ? `${file}: ` : ''}${text}`);
  err.stack = (e as Error).stack;
  return err;
}
