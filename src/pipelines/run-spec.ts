import fs from 'node:fs';
import YAML from 'yaml';
import { RunError } from '../errors.js';
import { resolveSpec } from '../config/load.js';
import type { Spec } from '../config/schema.js';
import { readManifest, type Manifest } from '../io/manifest.js';
import { runPath } from '../io/run-layout.js';

/** The resolved spec and manifest of a finished run folder, with a clear error when it is not one. */
export function readFinishedRun(runDir: string): { spec: Spec; manifest: Manifest } {
  const specFile = runPath(runDir, 'spec');
  if (!fs.existsSync(specFile))
    throw new RunError(`${runDir}: not a run folder (no spec.yaml); give the folder that cone pretrain printed`);
  const manifest = readManifest(runDir);
  if (manifest?.status !== 'done') {
    throw new RunError(
      `${runDir}: the run is ${manifest?.status ?? 'unfinished'}, not done; finish it with cone pretrain first`,
    );
  }
  const spec = resolveSpec(YAML.parse(fs.readFileSync(specFile, 'utf8')), specFile);
  return { spec, manifest };
}
