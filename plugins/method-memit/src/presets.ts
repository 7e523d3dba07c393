/** Backbone-dependent defaults, computed from the architecture (never from a model's name). */
import type { ModelConfig } from '@crossedit/core';
import { scaleLayer } from '@crossedit/method-rome';

/**
 * The edited layers for a depth: the reference's 4..8 of 32 scaled, i.e. `round(4/32·N)` to
 * `round(8/32·N)`, and at least two layers when the model has them.
 *
 * @example
 * ```ts
 * memitLayers(32); // [4, 5, 6, 7, 8]
 * memitLayers(40); // [5, 6, 7, 8, 9, 10]
 * memitLayers(4);  // [1, 2]
 * ```
 */
export function memitLayers(numLayers: number): number[] {
  const first = scaleLayer(4, numLayers);
  const last = Math.min(numLayers - 1, Math.max(first + 1, scaleLayer(8, numLayers)));
  const out: number[] = [];
  for (let l = first; l <= last; l++) out.push(l);
  return out;
}

/** MEMIT's presets. */
export function memitPresets(backbone: { config: ModelConfig }): { layers: number[] } {
  return { layers: memitLayers(backbone.config.numLayers) };
}
