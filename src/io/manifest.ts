import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { ConeError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { compileSchema, readJsonFile } from './json-file.js';
import { PACKAGE_ROOT, PACKAGE_VERSION } from './package-root.js';
import { runPath } from './run-layout.js';

export const RUN_STATUSES = ['running', 'done', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Manifest {
  run_id: string;
  kind: string;
  status: RunStatus;
  spec_hash: string;
  seed: number;
  backend: string | null;
  threads: number | null;
  /** The GPU adapter of the webgpu backend (absent in manifests written before it existed). */
  adapter?: { vendor: string; architecture: string; description: string } | null;
  versions: { cone: string; tfjs: string; node: string };
  git_commit: string | null;
  started: string;
  ended: string | null;
  error: string | null;
  /** Whatever the run kind wants to record (epochs done, files written, ...). */
  details: Record<string, unknown>;
}

function gitCommit(): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

export function manifestPath(runDir: string): string {
  return runPath(runDir, 'manifest');
}

export function newManifest(fields: Pick<Manifest, 'run_id' | 'kind' | 'spec_hash' | 'seed'>): Manifest {
  return {
    ...fields,
    status: 'running',
    backend: null,
    threads: null,
    adapter: null,
    versions: { cone: PACKAGE_VERSION, tfjs: tf.version.tfjs, node: process.versions.node },
    git_commit: gitCommit(),
    started: new Date().toISOString(),
    ended: null,
    error: null,
    details: {},
  };
}

/** What the code reads from a manifest: an object with a known status (the rest is a record for people). */
const validateManifest = compileSchema<Manifest>({
  type: 'object',
  required: ['status'],
  properties: { status: { enum: RUN_STATUSES } },
});

/**
 * The manifest of a run folder, or null when there is none; `unreadable` says why a manifest that
 * is there cannot be used (not JSON, not an object, no known status).
 */
export function readManifestFile(runDir: string): { manifest: Manifest | null; unreadable: string | null } {
  const file = manifestPath(runDir);
  if (!fs.existsSync(file)) return { manifest: null, unreadable: null };
  try {
    return { manifest: readJsonFile(file, validateManifest), unreadable: null };
  } catch (e) {
    if (!(e instanceof ConeError)) throw e;
    return { manifest: null, unreadable: e.message };
  }
}

/**
 * The manifest of a run folder, or null when there is none or it is unreadable: the manifest is a
 * record, not a result, so a run whose manifest is damaged is resumed from its checkpoint (zero
 * epochs left when it had finished), which writes a new one.
 */
export function readManifest(runDir: string): Manifest | null {
  return readManifestFile(runDir).manifest;
}

export function writeManifest(runDir: string, m: Manifest): void {
  writeFileAtomic(manifestPath(runDir), JSON.stringify(m, null, 2) + '\n');
}

/** Mark a run finished (done/failed/interrupted) with the time and the error, if any. */
export function finishManifest(runDir: string, m: Manifest, status: RunStatus, error: string | null = null): void {
  m.status = status;
  m.ended = new Date().toISOString();
  m.error = error;
  writeManifest(runDir, m);
}
