import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

/**
 * The WebGPU backend in Node (docs/design.md §5): `@tensorflow/tfjs-backend-webgpu` on Dawn, whose
 * Node binding (npm `webgpu`) ships a prebuilt dawn.node. Dawn drives the GPU through Vulkan on
 * Linux, Metal on macOS and D3D12 on Windows: no CUDA or cuDNN version to match. Both packages are
 * optional dependencies.
 */
export const WEBGPU_PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;

export const WEBGPU_INSTALL = `npm install ${WEBGPU_PACKAGES.join(' ')}`;

/** The adapter Dawn chose, as recorded in the manifest and the log. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  description: string;
  /** A renderer on the CPU (SwiftShader, lavapipe, llvmpipe): correct, but no faster than wasm. */
  software: boolean;
}

/** Why the webgpu backend cannot start, in one line that says how to get it. */
export interface WebgpuFailure {
  reason: string;
}

/** What Dawn's GPUAdapterInfo holds (webgpu's own typings come from @webgpu/types, not loaded here). */
interface DawnAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

interface DawnAdapter {
  info: DawnAdapterInfo;
}

interface DawnGpu {
  requestAdapter(options: { powerPreference: string }): Promise<DawnAdapter | null>;
}

interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** Software Vulkan/OpenGL drivers that Dawn may be handed; its fallback flag covers some, not all. */
const SOFTWARE_RENDERERS = /swiftshader|lavapipe|llvmpipe|softpipe/i;

/** tfjs-backend-webgpu asks for the high-performance adapter; cone asks for the same one to see it first. */
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' };

/** A child process needs well under a second to ask Dawn for an adapter; more means a driver hangs. */
const PROBE_TIMEOUT_MS = 30_000;

const require = createRequire(import.meta.url);

export function toGpuAdapter(info: DawnAdapterInfo): GpuAdapter {
  const adapter = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
  };
  const names = [adapter.vendor, adapter.architecture, adapter.description, info.device ?? ''].join(' ');
  return { ...adapter, software: info.isFallbackAdapter === true || SOFTWARE_RENDERERS.test(names) };
}

/** The adapter in one phrase, for messages. */
export function adapterName(adapter: GpuAdapter): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  return adapter.description ? `${name} (${adapter.description})` : name;
}

function missingPackages(): string[] {
  return WEBGPU_PACKAGES.filter((pkg) => {
    try {
      require.resolve(pkg);
      return false;
    } catch {
      return true;
    }
  });
}

/** The line for webgpu packages npm did not install (optional dependencies: skipped where they cannot install). */
export function notInstalledReason(missing: readonly string[]): string {
  return `${missing.join(' and ')} not installed (run \`${WEBGPU_INSTALL}\`)`;
}

/** Whether the dynamic linker finds the Vulkan loader Dawn opens on Linux (it searches as dlopen does). */
function vulkanLoaderFound(): boolean {
  try {
    process.dlopen({ exports: {} }, 'libvulkan.so.1');
    return true;
  } catch (err) {
    // It loaded, but is no Node addon: that is the answer wanted here.
    return /did not self-register/.test((err as Error).message);
  }
}

/** Why Dawn returned no adapter, and what gets one (the loader is looked for only on Linux). */
export function noAdapterReason(
  platform: NodeJS.Platform = process.platform,
  loaderFound: () => boolean = vulkanLoaderFound,
): string {
  if (platform !== 'linux')
    return 'Dawn found no WebGPU adapter (it needs Metal on macOS, D3D12 on Windows, and a GPU driver)';
  if (!loaderFound())
    return "the Vulkan loader libvulkan.so.1 is missing: install it (Debian: apt-get install libvulkan1) and a GPU's Vulkan driver";
  return "Dawn found no WebGPU adapter: install the GPU's Vulkan driver (NVIDIA's, or Mesa's for AMD/Intel), or point VK_ICD_FILENAMES at one";
}

async function importDawn(): Promise<DawnModule> {
  // A variable specifier keeps TypeScript from resolving a package that may be absent.
  const specifier: string = WEBGPU_PACKAGES[0];
  return (await import(specifier)) as DawnModule;
}

/** Makes Dawn's `navigator.gpu` and the GPU* constants global, as tfjs-backend-webgpu expects of a browser. */
function installGlobals(dawn: DawnModule, gpu: DawnGpu): void {
  Object.assign(globalThis, dawn.globals);
  const global = globalThis as { navigator?: object };
  // Node 21+ has a navigator of its own: add gpu to it rather than replace it.
  if (global.navigator) Object.defineProperty(global.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/** The adapter of the live 'webgpu' backend, or null before the first start. */
let active: GpuAdapter | null = null;

/**
 * Makes 'webgpu' the active backend on the adapter Dawn chooses, or says why it cannot. Callable any
 * number of times: a second call reuses the live backend.
 */
export async function startWebgpu(): Promise<GpuAdapter | WebgpuFailure> {
  if (active !== null && tf.findBackend('webgpu') !== null) {
    return (await tf.setBackend('webgpu')) ? active : { reason: 'the webgpu backend failed to restart' };
  }
  const missing = missingPackages();
  if (missing.length > 0) return { reason: notInstalledReason(missing) };
  try {
    const dawn = await importDawn();
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter(ADAPTER_OPTIONS);
    if (adapter === null) return { reason: noAdapterReason() };
    installGlobals(dawn, gpu);
    const backendPackage: string = WEBGPU_PACKAGES[1];
    await import(backendPackage);
    if (!(await tf.setBackend('webgpu')))
      return { reason: `tfjs-backend-webgpu did not start on ${adapterName(toGpuAdapter(adapter.info))}` };
    active = toGpuAdapter(adapter.info);
    return active;
  } catch (err) {
    return { reason: String((err as Error).message ?? err).split('\n')[0] };
  }
}

/**
 * The largest buffer the live webgpu device can bind (a tensor is one buffer; tfjs-backend-webgpu
 * asks for the adapter's limits), or null when webgpu is not the active backend.
 */
export function webgpuMaxBufferBytes(): number | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const { device } = tf.backend() as unknown as {
    device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } };
  };
  const limits = device?.limits;
  if (!limits) return null;
  return Math.min(limits.maxStorageBufferBindingSize ?? 0, limits.maxBufferSize ?? 0);
}

/**
 * The adapter Dawn would choose, asked in a child process: drivers print to the process's stderr
 * (Mesa's and Dawn's complaints about unusable devices), which `auto` must not show on every command,
 * and a hung driver is killed there. The answer is a failure when none can be had.
 */
export function probeAdapter(): Promise<GpuAdapter | WebgpuFailure> {
  const missing = missingPackages();
  if (missing.length > 0) return Promise.resolve({ reason: notInstalledReason(missing) });
  const script = [
    `const { create } = await import(${JSON.stringify(require.resolve(WEBGPU_PACKAGES[0]))});`,
    `const adapter = await create([]).requestAdapter(${JSON.stringify(ADAPTER_OPTIONS)});`,
    'const i = adapter?.info;',
    'console.log(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, description: i.description,',
    '  device: i.device, isFallbackAdapter: i.isFallbackAdapter } : null));',
    'process.exit(0);',
  ].join('\n');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' },
      (err, stdout) => {
        if (err) {
          resolve({
            reason: `asking Dawn for an adapter failed (${err.killed ? 'timed out' : err.message.split('\n')[0]})`,
          });
          return;
        }
        const info = JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as DawnAdapterInfo | null;
        resolve(info === null ? { reason: noAdapterReason() } : toGpuAdapter(info));
      },
    );
  });
}

/**
 * Whether this machine shows a GPU device at all (Linux: a DRM render node, NVIDIA's device files or
 * WSL's /dev/dxg). Without one no hardware adapter can exist, so `auto` need not ask Dawn.
 */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dri = fs.existsSync('/dev/dri') && fs.readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  return dri || fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/dxg');
}
