/**
 * `@crossedit/method-rome`: ROME (rank-one model editing), and the locate-and-edit building blocks MEMIT
 * shares with it (context templates, token rows with the subject's last token, the target-vector
 * optimisation).
 *
 * @example
 * ```ts
 * import rome from '@crossedit/method-rome';
 * import { parseHparams } from '@crossedit/core';
 * const hp = parseHparams('rome', rome.hparams, rome.presets?.(ctx.backbone));
 * const result = await rome.apply(ctx, [request], hp);
 * // ... evaluate ...
 * await result.restore();
 * ```
 *
 * @packageDocumentation
 */
import { rome } from './rome.js';

export default rome;
export { rome, romeApply, romeStep, romeTemplates, type RomeStep, type RomeApplyOptions } from './rome.js';
export { romeHparamSchema, type RomeHparams } from './hparams.js';
export { romePresets, scaleLayer, REFERENCE_DEPTH, ROME_NAMED_PRESETS } from './presets.js';
export { computeU, type ComputeUResult } from './compute-u.js';
export { computeV } from './compute-v.js';
export { computeInsert, type InsertResult } from './insert.js';
export { optimizeDelta, type DeltaSettings, type DeltaResult, type DeltaOptions } from '@crossedit/locate-edit';
export { generateTemplates, weightsFingerprint, TEMPLATE_SEEDS, type TemplateOptions } from '@crossedit/locate-edit';
export { sampleTopK, type SampleOptions } from '@crossedit/locate-edit';
export { contextRow, rewriteRow, targetIds, promptTemplate, batchRows, type EditRow, type RowBatch } from '@crossedit/locate-edit';
export { captureAtLookup, meanRows, norm2, dot, type CaptureSpec } from '@crossedit/locate-edit';
