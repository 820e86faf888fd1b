import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBinding } from '../../src/backend/native.js';
import { availableBackends } from '../helpers/backends.js';
import { cone } from '../helpers/cli.js';

const nativeInstalled = availableBackends().includes('tensorflow');

describe('a native package whose install script did not run', () => {
  let modules: string;
  const pkg = '@tensorflow/tfjs-node';
  beforeAll(() => {
    // What npm leaves when it skips the install script: the package's files without lib/napi-v<N>/tfjs_binding.node.
    modules = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cone-native-')), 'node_modules');
    fs.mkdirSync(path.join(modules, pkg, 'dist'), { recursive: true });
    fs.writeFileSync(
      path.join(modules, pkg, 'package.json'),
      JSON.stringify({ name: pkg, version: '4.22.0', main: 'dist/index.js' }),
    );
  });
  afterAll(() => fs.rmSync(path.dirname(modules), { recursive: true, force: true }));

  it('is told apart from a built one by its missing binding', () => {
    const dir = path.join(modules, pkg);
    expect(missingBinding(pkg, dir)).toEqual({
      reason: `${pkg}: installed, but its install script did not run, so its native binding is missing`,
      installed: true,
      fix: `npm rebuild ${pkg}`,
    });
    fs.mkdirSync(path.join(dir, 'lib/napi-v8'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib/napi-v8/tfjs_binding.node'), '');
    try {
      expect(missingBinding(pkg, dir)).toBeUndefined();
    } finally {
      fs.rmSync(path.join(dir, 'lib'), { recursive: true });
    }
  });

  // NODE_PATH puts the unbuilt package where cone resolves packages, unless a real one is installed first.
  it.skipIf(nativeInstalled)(
    '--backend tensorflow says the install script did not run and how to run it, in one line',
    () => {
      const r = cone(['bench', '--quiet', '--backend', 'tensorflow', '--steps', '1', '--warmup', '1'], {
        env: { NODE_PATH: modules },
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(/^[^\n]*$/);
      expect(r.stderr).toContain(
        `${pkg}: installed, but its install script did not run, so its native binding is missing`,
      );
      expect(r.stderr).toContain(`run \`npm rebuild ${pkg}\`, or use --backend wasm`);
    },
  );
});
