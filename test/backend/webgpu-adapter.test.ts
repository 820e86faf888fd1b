import { describe, expect, it } from 'vitest';
import { adapterName, noAdapterReason, notInstalledReason, toGpuAdapter } from '../../src/backend/webgpu.js';

describe("Dawn's adapter info", () => {
  it('marks software renderers (by the fallback flag or by name) so that auto never takes them', () => {
    const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' };
    expect(toGpuAdapter(swiftshader).software).toBe(true);
    expect(toGpuAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(toGpuAdapter({ vendor: 'mesa', device: 'lavapipe' }).software).toBe(true);
    expect(
      toGpuAdapter({ vendor: 'microsoft', description: 'Basic Render Driver', isFallbackAdapter: true }).software,
    ).toBe(true);
    const nvidia = toGpuAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 PCIe' });
    expect(nvidia).toEqual({
      vendor: 'nvidia',
      architecture: 'hopper',
      description: 'NVIDIA H100 PCIe',
      software: false,
    });
    expect(adapterName(nvidia)).toBe('nvidia hopper (NVIDIA H100 PCIe)');
    expect(adapterName(toGpuAdapter({}))).toBe('unnamed adapter');
  });
});

describe('a missing piece of the webgpu backend is one line saying how to get it', () => {
  it('the npm packages', () => {
    const line = notInstalledReason(['webgpu', '@tensorflow/tfjs-backend-webgpu']);
    expect(line).toBe(
      'webgpu and @tensorflow/tfjs-backend-webgpu not installed (run `npm install webgpu @tensorflow/tfjs-backend-webgpu`)',
    );
  });

  it('the Vulkan loader on Linux, checked before the driver', () => {
    const noLoader = noAdapterReason('linux', () => false);
    expect(noLoader).toMatch(
      /^the Vulkan loader libvulkan\.so\.1 is missing: .*apt-get install libvulkan1.*Vulkan driver$/,
    );
    const noDriver = noAdapterReason('linux', () => true);
    expect(noDriver).toMatch(/^Dawn found no WebGPU adapter: install the GPU's Vulkan driver .*VK_ICD_FILENAMES/);
    expect(noAdapterReason('darwin', () => false)).toMatch(/^Dawn found no WebGPU adapter \(it needs Metal on macOS/);
    for (const line of [noLoader, noDriver]) expect(line).not.toContain('\n');
  });
});
