import { afterEach, describe, expect, it, vi } from 'vitest';
import { runAndExit } from '../../src/commands/common.js';

/** A file-system error as Node throws it (errno code and path). */
function systemError(code: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: system message, write '${file}'`), { code, path: file });
}

async function stderrOf(error: unknown): Promise<{ text: string; code: number | undefined }> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
  try {
    await runAndExit({ verbose: false }, async () => {
      throw error;
    });
  } finally {
    spy.mockRestore();
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { text: lines.join(''), code };
}

describe('runAndExit maps file-system errors to one plain line and exit 1', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('disk full (ENOSPC) is an I/O error naming the file, not an internal error', async () => {
    const r = await stderrOf(systemError('ENOSPC', '/runs/x/metrics.csv'));
    expect(r.code).toBe(1);
    expect(r.text).toBe(
      'cone: /runs/x/metrics.csv: no space left on the device (disk full); free some space and run the command again (ENOSPC)\n',
    );
  });

  it('a read-only file system (EROFS) says so', async () => {
    const r = await stderrOf(systemError('EROFS', '/mnt/ro/runs'));
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/^cone: \/mnt\/ro\/runs: read-only file system.*\(EROFS\)\n$/);
  });

  it('a folder given where a file is expected (EISDIR) is plain too', async () => {
    const r = await stderrOf(systemError('EISDIR', '/data/spec'));
    expect(r.text).toBe('cone: /data/spec: is a folder, not a file (EISDIR)\n');
  });

  it('anything else stays an internal error', async () => {
    const r = await stderrOf(new TypeError('x is undefined'));
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/^cone: internal error: x is undefined/);
  });
});
