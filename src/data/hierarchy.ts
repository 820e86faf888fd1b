import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { RunError, UsageError } from '../errors.js';
import { hierarchiesDir } from './paths.js';

/** A validated coarse↔fine label map, as read from a hierarchy file. */
export interface Hierarchy {
  dataset: string;
  /** The short name (file `<dataset>-<name>.json`) or, for a file given by path, that path. */
  name: string;
  file: string;
  description: string;
  fineNames: string[];
  coarseNames: string[];
  fineToCoarse: Int32Array;
}

interface HierarchyFile {
  dataset: string;
  description?: string;
  fine_names: string[];
  coarse: { name: string; fine: string[] }[];
}

const nonEmptyString = { type: 'string', minLength: 1 };
const hierarchyFileSchema = {
  type: 'object',
  required: ['dataset', 'fine_names', 'coarse'],
  additionalProperties: false,
  properties: {
    dataset: nonEmptyString,
    description: { type: 'string' },
    fine_names: { type: 'array', minItems: 1, items: nonEmptyString },
    coarse: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'fine'],
        additionalProperties: false,
        properties: { name: nonEmptyString, fine: { type: 'array', minItems: 1, items: nonEmptyString } },
      },
    },
  },
};
const validateShape = new Ajv({ allErrors: false }).compile<HierarchyFile>(hierarchyFileSchema);

/** Hierarchy names shipped for a dataset: files datasets/hierarchies/<dataset>-<name>.json. */
export function hierarchyNames(dataset: string): string[] {
  const dir = hierarchiesDir();
  if (!existsSync(dir)) return [];
  const prefix = `${dataset}-`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => f.slice(prefix.length, -'.json'.length))
    .sort();
}

/** A hierarchy given by path is anything that looks like a file name; otherwise it is a shipped name. */
function isPath(hierarchy: string): boolean {
  return hierarchy.endsWith('.json') || hierarchy.includes('/') || hierarchy.includes('\\');
}

export function resolveHierarchyFile(dataset: string, hierarchy: string): string {
  if (isPath(hierarchy)) {
    const file = resolve(hierarchy);
    if (!existsSync(file)) throw new UsageError(`hierarchy file ${file} does not exist`);
    return file;
  }
  const names = hierarchyNames(dataset);
  if (!names.includes(hierarchy)) {
    throw new UsageError(
      `unknown hierarchy '${hierarchy}' for dataset ${dataset}; known: ${names.join(', ') || 'none'} (or give a path to a .json file)`,
    );
  }
  return join(hierarchiesDir(), `${dataset}-${hierarchy}.json`);
}

/** Reads and validates a hierarchy file: every fine class in exactly one coarse class, all names present and unique. */
export function loadHierarchyFile(file: string, dataset: string, name: string): Hierarchy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunError(`hierarchy file ${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (!validateShape(raw)) {
    const err = validateShape.errors![0];
    throw new RunError(`hierarchy file ${file}: ${err.instancePath || 'top level'} ${err.message}`);
  }
  const bad = (what: string) => new RunError(`hierarchy file ${file}: ${what}`);
  if (raw.dataset !== dataset) throw bad(`is for dataset '${raw.dataset}', not '${dataset}'`);

  const fineIndex = new Map<string, number>();
  raw.fine_names.forEach((n, i) => {
    if (fineIndex.has(n)) throw bad(`fine class name '${n}' appears twice in fine_names`);
    fineIndex.set(n, i);
  });
  const coarseNames: string[] = [];
  const fineToCoarse = new Int32Array(raw.fine_names.length).fill(-1);
  raw.coarse.forEach((group, c) => {
    if (coarseNames.includes(group.name)) throw bad(`coarse class name '${group.name}' appears twice`);
    coarseNames.push(group.name);
    for (const fineName of group.fine) {
      const f = fineIndex.get(fineName);
      if (f === undefined) throw bad(`coarse class '${group.name}' lists '${fineName}', which is not in fine_names`);
      if (fineToCoarse[f] !== -1) {
        throw bad(
          `fine class '${fineName}' is in two coarse classes ('${coarseNames[fineToCoarse[f]]}' and '${group.name}')`,
        );
      }
      fineToCoarse[f] = c;
    }
  });
  const unmapped = raw.fine_names.filter((_, f) => fineToCoarse[f] === -1);
  if (unmapped.length > 0) throw bad(`fine classes in no coarse class: ${unmapped.join(', ')}`);

  return {
    dataset,
    name,
    file,
    description: raw.description ?? '',
    fineNames: raw.fine_names,
    coarseNames,
    fineToCoarse,
  };
}

/** Resolves a hierarchy given by shipped name or by path, and loads it. */
export function loadHierarchy(dataset: string, hierarchy: string): Hierarchy {
  const file = resolveHierarchyFile(dataset, hierarchy);
  return loadHierarchyFile(file, dataset, isPath(hierarchy) ? file : hierarchy);
}
