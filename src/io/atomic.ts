import fs from 'node:fs';
import path from 'node:path';
import { RunError, systemErrorText } from '../errors.js';

/** A temp name beside the target, so the final rename never crosses file systems. */
export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-${process.pid}-${Date.now()}`);
}

/**
 * `mkdir -p`, one folder at a time from the nearest existing parent. Node's recursive mkdir loops
 * forever under /proc and reports a read-only file system as ENOENT; this throws the real errno
 * error (ENOTDIR when a parent is a file, EROFS, EACCES, ...) of the first folder it cannot make.
 */
export function makeDir(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const stat = fs.statSync(d, { throwIfNoEntry: false });
    if (stat) {
      if (!stat.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: d });
      break;
    }
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      // Another process may make the same folder at the same time.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function ensureWritableDir(dir: string): void {
  try {
    makeDir(dir);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new RunError(`${dir}: output folder is not writable: ${systemErrorText(e) ?? e}; choose another with --out`);
  }
}

/** Write a whole file so that readers see either the old content or the new, never a half. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  ensureWritableDir(path.dirname(target));
  const tmp = tempNameFor(target);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof RunError) throw e;
    throw new RunError(`${target}: could not write: ${systemErrorText(e) ?? e}`);
  }
}

/**
 * Build a folder under a temp name and swap it in: an interrupted write leaves the previous
 * folder (e.g. the last good checkpoint) intact.
 */
export async function writeDirAtomic(target: string, fill: (tmpDir: string) => Promise<void> | void): Promise<void> {
  ensureWritableDir(path.dirname(target));
  const tmp = tempNameFor(target);
  const old = `${tmp}-old`;
  try {
    fs.mkdirSync(tmp);
    await fill(tmp);
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // If the swap failed half-way, put the previous folder back.
    if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
    throw e;
  }
}

/**
 * The temp folders of writeDirAtomic swaps of `target` that a killed process left beside it: the
 * new content (`<temp>`) and the previous one (`<temp>-old`). Either may hold the only complete copy.
 */
export function swapTempsOf(target: string): string[] {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) return [];
  const name = new RegExp(`^\\.tmp-${path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+-\\d+(-old)?$`);
  return fs
    .readdirSync(dir)
    .filter((n) => name.test(n))
    .map((n) => path.join(dir, n));
}

/** Remove temp files a killed process left behind in a folder. */
export function removeStaleTemps(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith('.tmp-')) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}
