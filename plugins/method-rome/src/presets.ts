/** Backbone-dependent defaults, computed from the architecture (never from a model's name). */
import { REFERENCE_DEPTH, scaleLayer, type ModelConfig, type NamedPreset } from '@crossedit/core';
import type { RomeHparams } from './hparams.js';

export { REFERENCE_DEPTH, scaleLayer };

/** ROME's presets: the edited layer is layer 5 of 32, scaled to depth. */
export function romePresets(backbone: { config: ModelConfig }): { layers: number[] } {
  return { layers: [scaleLayer(5, backbone.config.numLayers)] };
}

/**
 * ROME's named presets. `demo-tiny` (what `crossedit demo` uses on the tiny backbone): the tiny model
 * memorised its facts without routing them through the subject token's MLP, so the key is the prompt's
 * last token and v* runs longer with a looser norm clamp.
 */
export const ROME_NAMED_PRESETS: Readonly<Record<string, NamedPreset<RomeHparams>>> = {
  'demo-tiny': {
    doc: 'the tiny bilingual model: key on the last token, 100 v* steps, clamp 50, one 5-token template',
    hparams: { factToken: 'last', vNumGradSteps: 100, clampNormFactor: 50, contextTemplateLengths: [[5, 5]] },
  },
};
