import fs from 'node:fs';
import path from 'node:path';
import { overrideArg, parseOverride, type Override } from '../config/overrides.js';
import { RunError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { compileSchema, readJsonFile } from '../io/json-file.js';
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

/** suite-origin.json as writeOrigin writes it. */
const validateOrigin = compileSchema<{ suite_file: string; output_root: string; overrides: string[] }>({
  type: 'object',
  required: ['suite_file', 'output_root', 'overrides'],
  properties: {
    suite_file: { type: 'string' },
    output_root: { type: 'string' },
    overrides: { type: 'array', items: { type: 'string' } },
  },
});

/** The origin recorded in a suite folder; null when there is none; a RunError naming the file when it is not valid. */
export function readOrigin(suiteDir: string): SuiteOrigin | null {
  const file = originFile(suiteDir);
  if (!fs.existsSync(file)) return null;
  const fix = 'delete it and run the suite again (cone run <suite.yaml>) to rewrite it';
  const doc = readJsonFile(file, validateOrigin, fix);
  const relative = [doc.suite_file, doc.output_root].find((p) => !path.isAbsolute(p));
  if (relative !== undefined) throw new RunError(`${file}: ${relative} is not an absolute path; ${fix}`);
  try {
    return { suite_file: doc.suite_file, output_root: doc.output_root, overrides: doc.overrides.map(parseOverride) };
  } catch (e) {
    throw new RunError(`${file}: ${(e as Error).message}; ${fix}`);
  }
}

/** The folder of a suite given as its file (run under `outputRoot`) or as the folder itself (returned as given). */
export function suiteFolderOf(target: string, outputRoot: string): string {
  const isFile = fs.statSync(target, { throwIfNoEntry: false })?.isFile();
  return isFile ? suiteDir(loadSuite(target), path.resolve(outputRoot)) : target;
}
