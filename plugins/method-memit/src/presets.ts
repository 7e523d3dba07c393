/** Backbone-dependent defaults, computed from the architecture (never from a model's name). */
import { scaleLayer, type ModelConfig } from '@crossedit/core';

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

/** The MLP width the reference λ = 15000 was tuned for (LLaMA-7B, Baichuan-7B). */
export const REFERENCE_MLP_WIDTH = 11008;

/**
 * λ for an MLP width: 15000 scaled by `intermediateSize / 11008` (exactly 15000 for the 7B backbones).
 * For keys drawn like the statistics, E[kᵀC⁻¹k] = M, and the share of the residual a layer writes is
 * kᵀC⁻¹k / (λ + kᵀC⁻¹k); scaling λ with M keeps that share comparable on narrower models.
 *
 * @example
 * ```ts
 * memitUpdateWeight(11008); // 15000
 * memitUpdateWeight(172);   // 234
 * ```
 */
export function memitUpdateWeight(intermediateSize: number): number {
  return Math.max(1, Math.round((15000 * intermediateSize) / REFERENCE_MLP_WIDTH));
}

/** MEMIT's presets: layers 4..8 of 32 and λ scaled to the model (see {@link memitUpdateWeight}). */
export function memitPresets(backbone: { config: ModelConfig }): { layers: number[]; mom2UpdateWeight: number } {
  return { layers: memitLayers(backbone.config.numLayers), mom2UpdateWeight: memitUpdateWeight(backbone.config.intermediateSize) };
}
