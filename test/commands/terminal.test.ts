import { describe, expect, it, vi } from 'vitest';
import { terminal } from '../../src/commands/terminal.js';
import { TerminalTrainingProgress } from '../../src/commands/training-progress.js';

/** What `body` writes to stderr (stdout must stay untouched: it is for results). */
function stderrOf(body: () => void): string {
  const lines: string[] = [];
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write');
  try {
    body();
    expect(out).not.toHaveBeenCalled();
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
  return lines.join('');
}

describe('the terminal reporter of the commands', () => {
  const all = (quiet: boolean, verbose: boolean) =>
    stderrOf(() => {
      const t = terminal({ quiet, verbose });
      t.info('a notice');
      t.warn('a fallback');
      t.debug('a detail');
    });

  it('prints notices and warnings on stderr, details only with --verbose, only warnings with --quiet', () => {
    expect(all(false, false)).toBe('a notice\nwarning: a fallback\n');
    expect(all(false, true)).toBe('a notice\nwarning: a fallback\na detail\n');
    expect(all(true, false)).toBe('warning: a fallback\n');
  });

  it('off a terminal, training progress is a step line, one line per epoch, and the Ctrl-C notice', () => {
    const run = (quiet: boolean) =>
      stderrOf(() => {
        const p = new TerminalTrainingProgress('run-1', quiet, terminal({ quiet, verbose: false }).info, false);
        p.epochStart(1, 2, 4, 0);
        p.step(1, 4, 0.5, 99.6);
        p.step(2, 4, 0.25, 100);
        p.epochEnd('epoch 1/2 loss 0.2500');
        p.stopping('SIGINT');
      });
    const stop = '\nSIGINT: stopping after this step and saving a checkpoint (press Ctrl-C again to quit at once)\n';
    expect(run(false)).toBe(`run-1 step 1/4 loss 0.5000 100 img/s\nrun-1 epoch 1/2 loss 0.2500\n${stop}`);
    expect(run(true)).toBe(stop);
  });
});
