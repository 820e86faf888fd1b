import { createRequire } from 'node:module';
import { WEBGPU_INSTALL, WEBGPU_PACKAGES } from '../../src/backend/webgpu.js';
import { missingSystemPackage } from './system.js';

const require = createRequire(import.meta.url);

/** The optional npm packages (npm skips them where they cannot install): same rule as a system package. */
function missingNpmPackages(): boolean {
  const absent = WEBGPU_PACKAGES.filter((pkg) => {
    try {
      require.resolve(pkg);
      return false;
    } catch {
      return true;
    }
  });
  if (absent.length === 0) return false;
  const line = `the webgpu tests: ${absent.join(' and ')} not installed; run \`npm ci\` (or \`${WEBGPU_INSTALL}\`)`;
  if (process.env.CI === 'true') throw new Error(`${line}; required where CI=true`);
  console.warn(`skipped: ${line}`);
  return true;
}

/** SwiftShader's Vulkan driver, from Debian's chromium-common (chromium depends on it): a GPU on the CPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Debian's multiarch folder for this machine, where libvulkan1 puts the Vulkan loader. */
const MULTIARCH = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';

/**
 * Whether the webgpu tests must skip: each missing package says so in one line (required where
 * CI=true). When they can run, Dawn is pointed at SwiftShader for this process and the CLI runs it
 * starts, unless VK_ICD_FILENAMES already names a driver (to run them on a real GPU).
 */
export function missingWebgpu(): boolean {
  // A driver named by VK_ICD_FILENAMES (bench/gpu-check.sh names the GPU's) needs no SwiftShader.
  const icd =
    !process.env.VK_ICD_FILENAMES &&
    missingSystemPackage({
      path: SWIFTSHADER_ICD,
      apt: 'chromium-common',
      use: 'the webgpu tests (SwiftShader, a Vulkan driver on the CPU)',
    });
  const loader = missingSystemPackage({
    path: `/usr/lib/${MULTIARCH}/libvulkan.so.1`,
    apt: 'libvulkan1',
    use: 'the webgpu tests (the Vulkan loader)',
  });
  if (icd || loader || missingNpmPackages()) return true;
  process.env.VK_ICD_FILENAMES ||= SWIFTSHADER_ICD;
  return false;
}
