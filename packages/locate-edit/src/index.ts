/**
 * `@crossedit/locate-edit`: the locate-then-edit toolkit ROME and MEMIT share (and a ROME variant builds
 * on): edit rows (prompt templates, lookup positions, target labels), activation capture at the lookup
 * positions, `optimizeDelta` (the v* / z optimisation), generated context templates, and the shared
 * hyperparameter fields. Layer scaling with depth is core's `scaleLayer`.
 *
 * @packageDocumentation
 */
export { locateEditHparamFields, deltaSettings, POSITIVE_INT, NON_NEGATIVE, type LocateEditHparams } from './hparams.js';
export { optimizeDelta, type DeltaSettings, type DeltaResult, type DeltaOptions } from './optimize-delta.js';
export { generateTemplates, weightsFingerprint, TEMPLATE_SEEDS, type TemplateOptions } from './templates.js';
export { sampleTopK, type SampleOptions } from './generate.js';
export { contextRow, rewriteRow, targetIds, promptTemplate, batchRows, type EditRow, type RowBatch, type FactToken } from './rows.js';
export { captureAtLookup, meanRows, norm2, dot, type CaptureSpec } from './capture.js';
