import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tinySpec } from '../helpers/tiny-spec.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cone-closed-output-'));
const suite = path.join(dir, 's.yaml');
const { method: _method, ...spec } = tinySpec({ epochs: 2, probe: { probes: ['linear', 'knn'] } });
fs.writeFileSync(
  suite,
  YAML.stringify({
    name: 's',
    spec: { ...spec, backend: 'wasm' },
    grid: { 'method.name': ['ce'], seed: [0, 1] },
    // Impossible on purpose (accuracies are in percent): the run's own exit code (3) must survive the closed pipe.
    expectations: ['fine.linear(ce) > 100'],
  }),
);

/** `cone run <suite> | true`: the reader of stdout is gone before cone writes its summary. */
function runWithStdoutClosed(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/cone.js'), 'run', suite, '--out', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('cone run with its stdout closed (| true)', () => {
  it('exits quietly with the run’s own code, on a fresh suite (wasm loaded) and on an all-done one', async () => {
    for (const label of ['fresh', 'all done']) {
      const r = await runWithStdoutClosed();
      expect(r.stderr, label).not.toMatch(/EPIPE|GROWABLE_HEAP|internal error|\n\s+at /);
      expect(r.code, `${label}: ${r.stderr.slice(-2000)}`).toBe(3);
    }
    expect(fs.readFileSync(path.join(dir, 's', 'summary.csv'), 'utf8')).toMatch(/fine\.linear/);
  });
});
