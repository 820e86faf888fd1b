import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { resolveSpec } from '../../src/config/load.js';
import { extractFeatures } from '../../src/pipelines/extract.js';
import { pretrain } from '../../src/pipelines/pretrain.js';
import type { Reporter } from '../../src/reporter.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-reporter-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
beforeAll(() => initBackend({ backend: 'cpu' }));

/** A Reporter that keeps every event as a line of text. */
function recorder(): { reporter: Reporter; events: string[] } {
  const events: string[] = [];
  const reporter: Reporter = {
    info: (m) => events.push(`info ${m}`),
    warn: (m) => events.push(`warn ${m}`),
    training: (run) => ({
      epochStart: (epoch, epochs, steps, startAt) => events.push(`${run} start ${epoch}/${epochs} ${steps} ${startAt}`),
      step: (done, steps) => events.push(`${run} step ${done}/${steps}`),
      epochEnd: (summary) => events.push(`${run} end ${summary.split(' ').slice(0, 2).join(' ')}`),
      stopping: (signal) => events.push(`${run} stopping ${signal}`),
    }),
  };
  return { reporter, events };
}

/** What `body` writes to the process's stdout and stderr. */
async function printedBy(body: () => Promise<unknown>): Promise<string> {
  const printed: string[] = [];
  const capture = (chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  };
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  try {
    await body();
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
  return printed.join('');
}

describe('library code reports through the Reporter it is given, and prints nothing', () => {
  const spec = resolveSpec(tinySpec({ name: 'tiny', backend: 'cpu', output: root }), 'tiny.yaml');
  let runDir = '';

  it('pretrain: the run, its epochs and steps', async () => {
    const { reporter, events } = recorder();
    expect(await printedBy(async () => (runDir = (await pretrain(spec, { reporter })).runDir))).toBe('');
    const id = path.basename(runDir);
    expect(events[0]).toBe(`info ${id}: pretrain on cpu (1 thread)`);
    // Steps are reported when loss and hits are read back (every few steps or seconds, and always
    // at an epoch's last step), so which steps appear depends on the machine; their order does not.
    const perEpoch = (e: number) => {
      const start = events.indexOf(`${id} start ${e}/3 7 0`);
      const end = events.indexOf(`${id} end epoch ${e}/3`);
      expect(start).toBeGreaterThan(0);
      expect(end).toBeGreaterThan(start);
      return events.slice(start + 1, end).map((ev) => {
        const m = ev.match(new RegExp(`^${id} step (\\d+)/7$`));
        expect(m, ev).not.toBeNull();
        return Number(m![1]);
      });
    };
    for (const e of [1, 2, 3]) {
      const steps = perEpoch(e);
      expect(steps.at(-1)).toBe(7);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
    }
    expect(events.filter((ev) => !/ step \d+\/7$/.test(ev))).toHaveLength(1 + 3 * 2);
  });

  it('a finished run says so; without a reporter nothing is said', async () => {
    const { reporter, events } = recorder();
    await pretrain(spec, { reporter });
    expect(events).toEqual([
      `info ${runDir}: already done (run id ${path.basename(runDir)}); delete the folder to train again`,
    ]);
    expect(await printedBy(() => pretrain(spec))).toBe('');
  });

  it('extract: each split written', async () => {
    const { reporter, events } = recorder();
    expect(await printedBy(() => extractFeatures(runDir, { split: 'both', backend: 'cpu', reporter }))).toBe('');
    expect(events).toEqual([
      expect.stringMatching(/^info train: 240 images -> .*train\.npy \(\d+ img\/s\)$/),
      expect.stringMatching(/^info test: 90 images -> .*test\.npy \(\d+ img\/s\)$/),
    ]);
  });
});
