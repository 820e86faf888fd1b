import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, LOCK_DIR, LOCK_STALE_MS, LockedError, withLock, type LockOwner } from '../../src/io/run-lock.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-runlock-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = () => path.join(root, `f${++folders}`);

/** A lock as a holder that is no longer running would have left it, with its mtime `age` ms ago. */
function leftLock(dir: string, owner: Partial<LockOwner> | null, age = 0): void {
  const lockDir = path.join(dir, LOCK_DIR);
  fs.mkdirSync(lockDir, { recursive: true });
  if (owner)
    fs.writeFileSync(
      path.join(lockDir, 'owner.json'),
      JSON.stringify({
        pid: 1,
        host: os.hostname(),
        since: '2026-01-01T00:00:00.000Z',
        command: 'cone pretrain',
        ...owner,
      }),
    );
  const t = new Date(Date.now() - age);
  fs.utimesSync(lockDir, t, t);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function refusal(dir: string): Promise<LockedError> {
  const e = await acquireLock(dir, 'run folder').then(
    () => null,
    (err) => err,
  );
  expect(e).toBeInstanceOf(LockedError);
  expect(e.exitCode).toBe(2);
  expect(e.message.split('\n')).toHaveLength(1);
  return e as LockedError;
}

describe('run folder lock', () => {
  it('names its holder, refuses a second taker, and is gone when released', async () => {
    const dir = folder();
    const release = await acquireLock(dir, 'run folder');
    const e = await refusal(dir);
    expect(e.owner?.pid).toBe(process.pid);
    expect(e.message).toMatch(
      new RegExp(
        `^${dir}: locked by pid ${process.pid} on ${os.hostname()} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, \\d+ s ago \\(cone[^)]*\\); one cone process per run folder at a time`,
      ),
    );
    await release();
    expect(fs.readdirSync(dir)).toEqual([]);
    await (await acquireLock(dir, 'run folder'))();
  });

  it('takes over at once a lock whose holder on this host is gone, however fresh', async () => {
    const dir = folder();
    leftLock(dir, { pid: deadPid() });
    const release = await acquireLock(dir, 'run folder');
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_DIR, 'owner.json'), 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('trusts a live holder on this host while its lock is refreshed', async () => {
    const dir = folder();
    // The test runner's main process: alive while this test runs.
    leftLock(dir, { pid: process.ppid }, LOCK_STALE_MS - 30_000);
    expect((await refusal(dir)).owner?.pid).toBe(process.ppid);
  });

  it('takes over a lock of this host not refreshed for its staleness, although its pid is alive (reused)', async () => {
    const dir = folder();
    // pid 1 (init) is alive: the pid of the killed holder, since reused. The refresh is three days old.
    leftLock(dir, { pid: 1 }, 3 * 86_400_000);
    const release = await acquireLock(dir, 'run folder');
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_DIR, 'owner.json'), 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('on another host, waits for the lock to go stale', async () => {
    const fresh = folder();
    leftLock(fresh, { pid: deadPid(), host: 'elsewhere' });
    expect((await refusal(fresh)).message).toMatch(/locked by pid \d+ on elsewhere since/);
    const stale = folder();
    leftLock(stale, { pid: deadPid(), host: 'elsewhere' }, LOCK_STALE_MS + 5_000);
    await (await acquireLock(stale, 'run folder'))();
  });

  it('refuses a lock without an owner (an older cone) until it is stale', async () => {
    const dir = folder();
    fs.mkdirSync(dir);
    const release = await lockfile.lock(dir, { lockfilePath: path.join(dir, LOCK_DIR) });
    try {
      expect((await refusal(dir)).message).toMatch(/locked by a process that has not said who it is/);
    } finally {
      await release();
    }
  });

  it('is taken once by a nested call of the same task, and refused to a concurrent one', async () => {
    const dir = folder();
    const order: string[] = [];
    const result = await withLock(dir, 'run folder', async () => {
      const concurrent = await Promise.allSettled([acquireLock(dir, 'run folder')]);
      expect(concurrent[0].status).toBe('rejected');
      return withLock(dir, 'run folder', async () => (order.push('nested'), 42));
    });
    expect(result).toBe(42);
    expect(order).toEqual(['nested']);
    expect(fs.existsSync(path.join(dir, LOCK_DIR))).toBe(false);
  });

  it('is released when the body throws', async () => {
    const dir = folder();
    await expect(withLock(dir, 'run folder', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync(path.join(dir, LOCK_DIR))).toBe(false);
  });
});
