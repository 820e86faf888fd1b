import fs from 'node:fs';
import path from 'node:path';
import { swapTempsOf, tempNameFor } from '../io/atomic.js';
import {
  CHECKPOINT_FORMAT,
  STATE_JSON,
  WEIGHTS_BIN,
  WEIGHTS_JSON,
  weightBytes,
  type TrainState,
} from './checkpoint.js';

/**
 * The state of a checkpoint folder whose three files are all there and consistent (state.json
 * parses in this format, weights.bin has the size weights.json gives it), else null. saveCheckpoint
 * fills a temp folder completely before any rename, so a complete temp folder is a good checkpoint.
 */
export function completeCheckpoint(dir: string): TrainState | null {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_JSON), 'utf8')) as TrainState;
    const { specs } = JSON.parse(fs.readFileSync(path.join(dir, WEIGHTS_JSON), 'utf8'));
    if (state.format !== CHECKPOINT_FORMAT || typeof state.global_step !== 'number') return null;
    return fs.statSync(path.join(dir, WEIGHTS_BIN)).size === weightBytes(specs) ? state : null;
  } catch {
    return null;
  }
}

/**
 * After a kill during a checkpoint swap (writeDirAtomic: fill `<temp>`, rename `checkpoint` to
 * `<temp>-old`, rename `<temp>` to `checkpoint`, delete `<temp>-old`), the newest complete
 * checkpoint may be in any of the three folders. Put it at `dir` and only then delete the others,
 * so that a kill at any point of this recovery leaves a state it recovers from in turn. Call it
 * holding the run folder's lock (no swap in progress). Returns the state now at `dir`, or null when
 * no complete checkpoint exists (then `dir` is left as it was, for the loader to report).
 */
export function recoverCheckpoint(dir: string): TrainState | null {
  const candidates = [dir, ...swapTempsOf(dir)].filter((d) => fs.existsSync(d));
  let best: { dir: string; state: TrainState } | null = null;
  for (const d of candidates) {
    const state = completeCheckpoint(d);
    // Later steps win; on a tie `dir` (first) stays.
    if (state && (!best || state.global_step > best.state.global_step)) best = { dir: d, state };
  }
  if (best && best.dir !== dir) {
    if (fs.existsSync(dir)) fs.renameSync(dir, `${tempNameFor(dir)}-old`);
    fs.renameSync(best.dir, dir);
  }
  for (const d of swapTempsOf(dir)) fs.rmSync(d, { recursive: true, force: true });
  return best?.state ?? null;
}
