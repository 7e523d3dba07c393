/** Layer indices chosen for one depth, carried to another: the rule every method's presets use. */

/** The depth reference layer indices were chosen for (LLaMA-7B). */
export const REFERENCE_DEPTH = 32;

/**
 * Scales a layer index chosen for a 32-layer model to `numLayers`: `round(layer / 32 * numLayers)`,
 * clamped to the model.
 *
 * @example
 * ```ts
 * scaleLayer(5, 32); // 5
 * scaleLayer(5, 40); // 6
 * scaleLayer(21, 4); // 3
 * ```
 */
export function scaleLayer(layer: number, numLayers: number): number {
  return Math.min(numLayers - 1, Math.max(0, Math.round((layer / REFERENCE_DEPTH) * numLayers)));
}
