/**
 * Test helpers of the LLaMA-family backbones (`@crossedit/backbone-llama/testing`): the tiny checkpoints of
 * `@crossedit/testing/checkpoints` (HF names and formats: safetensors, PyTorch `.bin`, sharded, GGUF; random
 * host weights), logits comparisons across backends, and the checkpoint suite every LLaMA-family backbone runs.
 *
 * @packageDocumentation
 */
export * from '@crossedit/testing/checkpoints';
export { tryWebGpu, logitsOf, worstRatio, atReal, LOGIT_IDS, LOGIT_MASK } from './run.js';
export { SHARED_DIR } from './tiny.js';
export { describeCheckpointSuite, type CheckpointSuiteOptions } from './suite.js';
export { randomWeightChunks, writeRandomLlamaCheckpoint, RANDOM_CHUNK_ELEMENTS, type RandomCheckpointOptions } from './random-checkpoint.js';
