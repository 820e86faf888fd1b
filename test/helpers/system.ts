import fs from 'node:fs';

/** Something from a Debian package that a test needs, and what it is needed for. */
export interface SystemPackage {
  /** The file or folder the test reads or runs. */
  path: string;
  /** The Debian package that provides it. */
  apt: string;
  /** Which tests need it, for the notice ("the report.html browser tests"). */
  use: string;
  /** The path must be an executable (a program the test runs). */
  executable?: boolean;
}

/**
 * Whether the tests needing `need` must be skipped: on a machine without the package they skip
 * with one line saying what to install, so `npm test` passes on a fresh machine; where CI=true
 * (`.ci/run` installs every package) they are required and the test file fails with that line.
 * Use as `describe.skipIf(missingSystemPackage(...))`.
 */
export function missingSystemPackage(need: SystemPackage): boolean {
  try {
    fs.accessSync(need.path, need.executable ? fs.constants.X_OK : fs.constants.R_OK);
    return false;
  } catch {
    return unavailable(
      `${need.use}: ${need.path} not found; install Debian's ${need.apt} (apt-get install -y ${need.apt}; .ci/run installs it)`,
    );
  }
}

/**
 * Something a test needs is not there, for the reason `line` gives (it says what to install or start):
 * skip with that line, or fail with it where CI=true. Always true; for `describe.skipIf`.
 */
export function unavailable(line: string): true {
  if (process.env.CI === 'true') throw new Error(`${line}; required where CI=true`);
  console.warn(`skipped: ${line}`);
  return true;
}
