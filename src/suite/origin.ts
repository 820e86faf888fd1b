import fs from 'node:fs';
import path from 'node:path';
import { overrideArg, parseOverride, type Override } from '../config/overrides.js';
import { RunError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { SUITE_FILES } from '../io/run-layout.js';
import { suiteDir } from './expand.js';
import { loadSuite } from './load.js';

/**
 * What a suite folder was last run from: the suite file, the results root and the spec fields set
 * on the command line (they change the cells' run ids), so that `cone status <folder>` and
 * `cone status <file>` find the same cells `cone run` made.
 */
export interface SuiteOrigin {
  suite_file: string;
  output_root: string;
  overrides: Override[];
}

function originFile(suiteDir: string): string {
  return path.join(suiteDir, SUITE_FILES.origin);
}

export function writeOrigin(suiteDir: string, origin: SuiteOrigin): void {
  const doc = {
    suite_file: path.resolve(origin.suite_file),
    output_root: path.resolve(origin.output_root),
    overrides: origin.overrides.map(overrideArg),
  };
  writeFileAtomic(originFile(suiteDir), `${JSON.stringify(doc, null, 2)}\n`);
}

/** The origin recorded in a suite folder; null when there is none; a RunError naming the file when it is not valid. */
export function readOrigin(suiteDir: string): SuiteOrigin | null {
  const file = originFile(suiteDir);
  if (!fs.existsSync(file)) return null;
  const bad = (why: string) =>
    new RunError(`${file}: ${why}; delete it and run the suite again (cone run <suite.yaml>) to rewrite it`);
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  const d = doc as Record<string, unknown>;
  const isPath = (x: unknown): x is string => typeof x === 'string' && path.isAbsolute(x);
  if (!d || typeof d !== 'object' || !isPath(d.suite_file) || !isPath(d.output_root))
    throw bad('suite_file and output_root must be absolute paths');
  if (!Array.isArray(d.overrides) || !d.overrides.every((a) => typeof a === 'string'))
    throw bad('overrides must be a list of key=value strings');
  try {
    return { suite_file: d.suite_file, output_root: d.output_root, overrides: d.overrides.map(parseOverride) };
  } catch (e) {
    throw bad((e as Error).message);
  }
}

/** The folder of a suite given as its file (run under `outputRoot`) or as the folder itself (returned as given). */
export function suiteFolderOf(target: string, outputRoot: string): string {
  const isFile = fs.statSync(target, { throwIfNoEntry: false })?.isFile();
  return isFile ? suiteDir(loadSuite(target), path.resolve(outputRoot)) : target;
}
