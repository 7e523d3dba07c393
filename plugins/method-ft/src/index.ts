/**
 * `@crossedit/method-ft`: fine-tune one weight matrix (by default `mlp.down` of layer 21 of 32,
 * scaled to depth) with Adam, with an optional L∞ constraint around the original weights.
 *
 * The default follows the paper's "FT with L∞ constraint" (radius 5e-4, a value from the reference's
 * configs); the reference's 7B-model configs leave it off (`normConstraint: 0`). The default objective is the
 * teacher-forced `target_new`; `objective: 'prompt_last'` reproduces the paper-era reference.
 *
 * @packageDocumentation
 */
import { defineMethod, scaleLayer } from '@crossedit/core';
import { applyFt } from './apply.js';
import { FT_HPARAMS, type FtHparams } from './hparams.js';

export { applyFt } from './apply.js';
export { promptLastLoss, targetNewLoss } from './loss.js';
export { FT_HPARAMS, type FtHparams, type FtObjective } from './hparams.js';

/**
 * Layer 21 of a 32-layer model scaled to depth, `round(21 / 32 · numLayers)` clamped to the model (the
 * rule ROME's presets use too).
 *
 * @example
 * ```ts
 * defaultLayer(32); // 21
 * defaultLayer(40); // 26
 * ```
 */
export function defaultLayer(numLayers: number): number {
  return scaleLayer(21, numLayers);
}

/** The FT method plugin. */
const ft = defineMethod<FtHparams>({
  id: 'ft',
  description: 'fine-tuning of one weight matrix with Adam (optional L-infinity constraint)',
  hparams: FT_HPARAMS,
  requires: () => ({ gradients: true }),
  supports: { batch: true, sequential: true },
  presets: ({ config }) => ({ layers: [defaultLayer(config.numLayers)] }),
  apply: (ctx, requests, h) => applyFt(ctx, requests, h.layers.length ? h : { ...h, layers: [defaultLayer(ctx.backbone.config.numLayers)] }),
});
export default ft;
