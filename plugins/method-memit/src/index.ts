/**
 * `@crossedit/method-memit`: MEMIT (mass-editing memory in a transformer). Needs second-moment
 * statistics of the edited layers (`@crossedit/stats`, built by `crossedit stats`).
 *
 * @example
 * ```ts
 * import memit from '@crossedit/method-memit';
 * import { openStats, weightsHash } from '@crossedit/stats';
 * ctx.stats = openStats({ dir: 'stats', weightsHash: await weightsHash(model) });
 * const hp = parseHparams('memit', memit.hparams, memit.presets?.(ctx.backbone));
 * const result = await memit.apply(ctx, requests, hp);
 * await result.restore();
 * ```
 *
 * @packageDocumentation
 */
import { memit } from './memit.js';

export default memit;
export { memit, memitApply, memitTemplateGroups, type MemitLayerStep, type MemitApplyOptions } from './memit.js';
export { memitHparamSchema, type MemitHparams } from './hparams.js';
export { memitPresets, memitLayers, memitUpdateWeight, REFERENCE_MLP_WIDTH } from './presets.js';
export { computeZ } from './compute-z.js';
export { computeKeys, computeHidden } from './compute-ks.js';
export { woodburySolve } from './solve.js';
