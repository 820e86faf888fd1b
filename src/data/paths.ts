import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../io/package-root.js';

/** Where fetched datasets are cached: $CONE_CACHE_DIR, else datasets/cache under the package root. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.CONE_CACHE_DIR;
  return fromEnv ? resolve(fromEnv) : join(PACKAGE_ROOT, 'datasets', 'cache');
}

export function hierarchiesDir(): string {
  return join(PACKAGE_ROOT, 'datasets', 'hierarchies');
}
