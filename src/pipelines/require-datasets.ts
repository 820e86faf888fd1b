import { RunError } from '../errors.js';
import type { Spec } from '../config/schema.js';
import { missingDataset } from '../data/registry.js';

/**
 * Checks, before anything runs, that every dataset the specs read is here: a suite whose dataset is
 * missing fails at once with one line per dataset (naming the file and the package or command that
 * provides it), rather than once per cell after the others ran. `where` names the suite file.
 */
export function requireDatasets(specs: Spec[], where: string): void {
  const problems = new Set<string>();
  for (const spec of specs) {
    const missing = missingDataset(spec.dataset);
    if (missing) problems.add(`${where}: ${missing}`);
  }
  if (problems.size) throw new RunError([...problems].join('\n'));
}
