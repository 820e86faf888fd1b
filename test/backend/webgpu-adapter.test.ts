import { describe, expect, it } from 'vitest';
import { adapterName, toGpuAdapter } from '../../src/backend/webgpu.js';

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
