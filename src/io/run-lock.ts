import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { RunError, UsageError } from '../errors.js';
import { ensureWritableDir } from './atomic.js';

/**
 * One writer per run folder and per suite folder. The lock is proper-lockfile's: the folder
 * `<dir>/.lock`, created with mkdir (atomic, also on NFS) and refreshed every minute while its
 * holder runs. Inside it `owner.json` names the holder (pid, host, start, command), so that
 *  - a second process is refused with one line naming the holder, and
 *  - a lock whose holder was killed (SIGKILL, OOM killer, node failure) is taken over at once when
 *    the holder ran on this host and its pid is gone, and on any host when it has not been
 *    refreshed for LOCK_STALE_MS (a live pid on this host may be another process that reused it).
 * proper-lockfile removes the lock on exit, also on a signal that ends the process.
 *
 * Written here rather than by proper-lockfile: the owner file and the pid check. proper-lockfile
 * knows only mtime staleness, which cannot tell a killed holder from a live one whose event loop is
 * busy, and its takeover of a stale lock is not atomic (two takers can both win); hence the gate.
 */
export const LOCK_DIR = '.lock';
/** Held for the few milliseconds of taking a lock, so that the check of a holder and the takeover are one step. */
const GATE_DIR = '.lock-gate';
const OWNER_FILE = 'owner.json';
/** A lock not refreshed for this long belongs to a process that is gone (or frozen). */
export const LOCK_STALE_MS = 120_000;

export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  command: string;
}

/** The folder is locked by another process (or another task of this one): exit 2, the holder named. */
export class LockedError extends UsageError {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner | null,
    what: string,
  ) {
    const holder = owner
      ? `locked by pid ${owner.pid} on ${owner.host} since ${owner.since}${heldFor(owner.since)} (${owner.command})`
      : `locked by a process that has not said who it is (a cone older than this one, or one killed while taking the lock; the lock is free ${LOCK_STALE_MS / 60_000} minutes after its last refresh)`;
    super(`${dir}: ${holder}; one cone process per ${what} at a time: wait for it to finish or stop it`);
  }
}

/** ", 5 min ago": how long the holder has had the lock (an orphaned worker's is often hours); "" when `since` is no time. */
function heldFor(since: string): string {
  const s = (Date.now() - Date.parse(since)) / 1000;
  if (!Number.isFinite(s) || s < 0) return '';
  const [value, unit] =
    s < 120 ? [s, 's'] : s < 7200 ? [s / 60, 'min'] : s < 172_800 ? [s / 3600, 'h'] : [s / 86_400, 'days'];
  return `, ${Math.floor(value)} ${unit} ago`;
}

/**
 * proper-lockfile removes a lock with rmdir; the owner file inside needs a recursive remove. Its
 * `fs` option is the documented way to change that, and it also applies to the removal on exit.
 */
const lockFs = {
  ...fs,
  rmdir: (p: string, cb: (err: NodeJS.ErrnoException | null) => void) => fs.rm(p, { recursive: true, force: true }, cb),
  rmdirSync: (p: string) => fs.rmSync(p, { recursive: true, force: true }),
};

function readOwner(lockDir: string): LockOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(lockDir, OWNER_FILE), 'utf8')) as LockOwner;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Whether a process of this host is alive (EPERM: it is, but belongs to another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Not refreshed for LOCK_STALE_MS: its holder is gone or frozen, whatever its pid is now. */
function staleLock(lockDir: string): boolean {
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}

function lockError(e: unknown, dir: string): never {
  throw new RunError(
    `${dir}: could not write its lock (${(e as NodeJS.ErrnoException).code ?? e}); choose another --out`,
  );
}

/** Take the lock of `dir` (created if missing); resolves to its release. */
export async function acquireLock(dir: string, what: string): Promise<() => Promise<void>> {
  const abs = path.resolve(dir);
  const lockDir = path.join(abs, LOCK_DIR);
  ensureWritableDir(dir);
  // proper-lockfile keys its locks by the locked path, so the gate locks another (never created) path.
  const releaseGate = await lockfile
    .lock(path.join(abs, GATE_DIR, 'x'), {
      lockfilePath: path.join(abs, GATE_DIR),
      realpath: false,
      stale: 10_000,
      retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
      onCompromised: () => {},
    })
    .catch((e) => lockError(e, dir));
  try {
    const holder = fs.existsSync(lockDir) ? readOwner(lockDir) : null;
    // A lock past LOCK_STALE_MS is left to proper-lockfile, which takes it over as stale.
    if (holder && holder.host === os.hostname() && !staleLock(lockDir)) {
      if (alive(holder.pid)) throw new LockedError(dir, holder, what);
      fs.rmSync(lockDir, { recursive: true, force: true });
    }
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(abs, {
        lockfilePath: lockDir,
        realpath: false,
        stale: LOCK_STALE_MS,
        fs: lockFs,
        // A long synchronous step can delay a refresh; that is not worth crashing a run over. io/ sits
        // below the logger, so the warning goes through Node's own channel (printed on stderr).
        onCompromised: (err) => process.emitWarning(`${lockDir}: ${err.message}`, 'ConeLockWarning'),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOCKED') throw new LockedError(dir, readOwner(lockDir), what);
      lockError(e, dir);
    }
    const owner: LockOwner = {
      pid: process.pid,
      host: os.hostname(),
      since: new Date().toISOString(),
      command: ['cone', ...process.argv.slice(2)].join(' '),
    };
    try {
      // proper-lockfile refreshes the lock folder's mtime and counts the lock as compromised when that
      // mtime is not the one it set; writing owner.json inside changes it, so put it back.
      const { atime, mtime } = fs.statSync(lockDir);
      fs.writeFileSync(path.join(lockDir, OWNER_FILE), JSON.stringify(owner) + '\n');
      fs.utimesSync(lockDir, atime, mtime);
    } catch (e) {
      await release();
      lockError(e, dir);
    }
    return async () => {
      // A lock taken over by another host after a stall is no longer ours to remove.
      await release().catch((e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ERELEASED') throw e;
      });
    };
  } finally {
    await releaseGate();
  }
}

/** Folders this async call chain holds, so that a nested lock of the same folder (a suite cell, then its training) is taken once. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/** Run `body` holding the lock of `dir`; released when it ends, normally or by an error. */
export async function withLock<T>(dir: string, what: string, body: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const mine = held.getStore() ?? new Set<string>();
  if (mine.has(key)) return body();
  const release = await acquireLock(dir, what);
  try {
    return await held.run(new Set([...mine, key]), body);
  } finally {
    await release();
  }
}

/** One trainer (or suite cell) per run folder. */
export function withRunLock<T>(runDir: string, body: () => Promise<T>): Promise<T> {
  return withLock(runDir, 'run folder', body);
}
