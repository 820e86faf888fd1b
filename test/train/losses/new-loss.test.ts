import { describe, expect, it } from 'vitest';
import { ce } from '../../../src/train/losses/ce.js';
import { createLoss, isFixedEtfMethod, methodNames, registerLoss } from '../../../src/train/losses/index.js';

// "A new loss is one file plus one registry entry": a throw-away loss, registered before the spec
// modules load, is accepted by spec validation and built by the trainer's factory with no other edit.
describe('a new loss', () => {
  it('is one definition plus one registry entry', async () => {
    registerLoss({ ...ce, name: 'throwaway', description: 'ce under another name', fixedEtf: true });
    expect(methodNames()).toContain('throwaway');
    expect(isFixedEtfMethod('throwaway')).toBe(true);
    const { resolveSpec } = await import('../../../src/config/load.js');
    const spec = resolveSpec(
      { dataset: { name: 'synthetic' }, model: { name: 'mlp' }, method: { name: 'throwaway' } },
      'inline',
    );
    expect(spec.method.name).toBe('throwaway');
    const loss = createLoss({ name: 'throwaway' }, { numClasses: 3, featureDim: 4, seed: 0 });
    loss.dispose();
    expect(() => registerLoss({ ...ce, name: 'throwaway' })).toThrow(/already registered/);
  });
});
