/** The LLaMA-family network, its hooks, generation and scoring. */
export { LlamaModel, type LlamaModelOptions } from './llama.js';
export { LlamaCache, type LayerKV } from './cache.js';
export { headDim, validateConfig, expectedWeightShapes } from './config.js';
export { validateWeights, randomWeights, type RandomWeightsOptions } from './weights.js';
export { selfAttention, linear, type AttentionWeights } from './attention.js';
export { gatedMlp, type MlpWeights } from './mlp.js';
export { positionsFromMask, attentionBias, causalBias, arangePositions, MASKED_SCORE } from './masks.js';
export { refToString } from './hook-table.js';
// The public hook constructors are core's (captureHook, addAtHook, replaceAtHook with sites); the
// (rows, positions) variants here serve this package's own tests. addHook and selectAt are extras.
export { addHook, selectAt, type At } from './hooks.js';
export { generate, type GenerateOptions, type GenerateResult, type PromptBatch } from './generate.js';
export {
  scoreTeacherForced,
  scoreTeacherForcedBatch,
  teacherForcedIds,
  type TeacherForcedItem,
  type TeacherForcedScore,
  type ScoreOptions,
} from './score.js';
export { weightsHash } from './hash.js';
