/** Backbone-dependent defaults, computed from the architecture (never from a model's name). */
import { REFERENCE_DEPTH, scaleLayer, type ModelConfig, type NamedPreset } from '@crossedit/core';
import type { RomeHparams } from './hparams.js';

export { REFERENCE_DEPTH, scaleLayer };

/** ROME's presets: the edited layer is layer 5 of 32, scaled to depth. */
export function romePresets(backbone: { config: ModelConfig }): { layers: number[] } {
  return { layers: [scaleLayer(5, backbone.config.numLayers)] };
}

/** ROME's named presets (`--preset NAME`): none; the defaults are the reference's settings on every backbone. */
export const ROME_NAMED_PRESETS: Readonly<Record<string, NamedPreset<RomeHparams>>> = {};
