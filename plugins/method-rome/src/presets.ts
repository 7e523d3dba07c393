/** Backbone-dependent defaults, computed from the architecture (never from a model's name). */
import type { ModelConfig, NamedPreset } from '@crossedit/core';
import type { RomeHparams } from './hparams.js';

/** The depth the reference layer indices were chosen for (LLaMA-7B). */
export const REFERENCE_DEPTH = 32;

/**
 * Scales a layer index chosen for a 32-layer model to `numLayers`: `round(layer / 32 * numLayers)`,
 * clamped to the model.
 *
 * @example
 * ```ts
 * scaleLayer(5, 32); // 5
 * scaleLayer(5, 40); // 6
 * scaleLayer(5, 4);  // 1
 * ```
 */
export function scaleLayer(layer: number, numLayers: number): number {
  return Math.min(numLayers - 1, Math.max(0, Math.round((layer / REFERENCE_DEPTH) * numLayers)));
}

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
