import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, ConfigurationError, isConfigurationError, ShapeError } from './errors.js';
import { HparamError, parseHparams } from './hparams.js';
import { composeWrapPrompts, defineMethod, hparamLayers } from './method.js';
import type { ModelConfig } from './model.js';

const config: ModelConfig = { vocabSize: 8, hiddenSize: 4, intermediateSize: 8, numLayers: 6, numHeads: 1, numKvHeads: 1, rmsNormEps: 1e-6, ropeBase: 10000, maxPositions: 16 };
const m = defineMethod<{ layers: number[]; steps: number; stats: boolean }>({
  id: 'toy',
  description: 'toy',
  hparams: { layers: { default: [0], doc: 'l' }, steps: { default: 10, doc: 's' }, stats: { default: false, doc: 'st' } },
  requires: (h) => ({ gradients: false, statsLayers: h.stats ? h.layers : [] }),
  supports: { batch: false, sequential: false },
  presets: ({ config }) => ({ layers: [config.numLayers - 1] }),
  namedPresets: { quick: { doc: 'few steps', hparams: { steps: 2, stats: true } } },
  apply: () => Promise.reject(new Error('unused')),
});

describe('method contract', () => {
  it('layers defaults, backbone presets, a named preset and overrides in that order', () => {
    const bb = { id: 'b', config };
    expect(parseHparams(m.id, m.hparams, ...hparamLayers(m, bb, undefined, undefined))).toEqual({ layers: [5], steps: 10, stats: false });
    const h = parseHparams(m.id, m.hparams, ...hparamLayers(m, bb, 'quick', { steps: 3 }));
    expect(h).toEqual({ layers: [5], steps: 3, stats: true });
    // requirements follow the parsed hyperparameters
    expect(m.requires(h).statsLayers).toEqual([5]);
    expect(() => hparamLayers(m, bb, 'slow', undefined)).toThrow(/unknown preset 'slow' \(known: quick\)/);
  });

  it('composes prompt wrappers with the last edit outermost', () => {
    expect(composeWrapPrompts([{}, {}])).toBeUndefined();
    const w = composeWrapPrompts([{ wrapPrompt: (q) => `a(${q})` }, {}, { wrapPrompt: (q) => `b(${q})` }]);
    expect(w?.('q')).toBe('b(a(q))');
  });

  it('recognises configuration errors by brand, across copies of the class', () => {
    expect(isConfigurationError(new HparamError('x'))).toBe(true);
    expect(isConfigurationError(new BackendUnavailableError('x'))).toBe(true);
    expect(isConfigurationError(new ConfigurationError('x'))).toBe(true);
    expect(isConfigurationError(new ShapeError('x'))).toBe(false);
    expect(isConfigurationError(new Error('x'))).toBe(false);
    // another copy of @crossedit/core defines its own class with the same registered symbol
    const brand = Object.getOwnPropertySymbols(new ConfigurationError('x'))[0];
    expect(brand.description).toBe('@crossedit/core.ConfigurationError');
    expect(isConfigurationError(Object.assign(new Error('foreign'), { [Symbol.for('@crossedit/core.ConfigurationError')]: true }))).toBe(true);
  });
});
