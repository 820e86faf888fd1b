import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDir, writeDirAtomic, writeFileAtomic } from '../../src/io/atomic.js';

describe('atomic writes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-atomic-'));

  it('replaces a file whole and leaves no temp file', () => {
    const f = path.join(dir, 'a.csv');
    writeFileAtomic(f, 'one\n');
    writeFileAtomic(f, 'two\n');
    expect(fs.readFileSync(f, 'utf8')).toBe('two\n');
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('keeps the previous folder when filling the new one fails', async () => {
    const target = path.join(dir, 'checkpoint');
    await writeDirAtomic(target, (tmp) => fs.writeFileSync(path.join(tmp, 'state.json'), '{"epoch":1}'));
    await expect(
      writeDirAtomic(target, (tmp) => {
        fs.writeFileSync(path.join(tmp, 'state.json'), '{"epoch":2, half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readFileSync(path.join(target, 'state.json'), 'utf8')).toBe('{"epoch":1}');
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('names an unwritable folder', () => {
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o500 });
    // root ignores permission bits; a file in the way of a folder fails for everyone.
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, '');
    expect(() => writeFileAtomic(path.join(blocker, 'x.csv'), 'x')).toThrow(/blocker: output folder is not writable/);
  });

  it('makes missing folders one level at a time and reports the real error', () => {
    const deep = path.join(dir, 'make', 'a', 'b');
    makeDir(deep);
    makeDir(deep); // existing: nothing to do
    expect(fs.statSync(deep).isDirectory()).toBe(true);
    const blocker = path.join(dir, 'make-blocker');
    fs.writeFileSync(blocker, '');
    expect(() => makeDir(path.join(blocker, 'a', 'b'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  // Node's recursive mkdir never returns under /proc.
  it.skipIf(!fs.existsSync('/proc/self'))('gives up under /proc instead of looping', () => {
    expect(() => makeDir('/proc/cone-test/a/b')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
