import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding cone's package.json, found from this file (works from src/ under vitest and
 * from dist/, whatever the working directory). A package.json of another name on the way up (say
 * one marking dist/ as ES modules) is passed over.
 */
export const PACKAGE_ROOT: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cone')
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cone's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
})();

export const PACKAGE_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'),
).version;
