import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the folder of cone's package.json), found from this file's own location so
 * that data paths do not depend on the working directory and work from both src/ and dist/.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cone') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cone's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Where fetched datasets are cached: $CONE_CACHE_DIR, else datasets/cache under the package root. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.CONE_CACHE_DIR;
  return fromEnv ? resolve(fromEnv) : join(projectRoot(), 'datasets', 'cache');
}

export function hierarchiesDir(): string {
  return join(projectRoot(), 'datasets', 'hierarchies');
}
