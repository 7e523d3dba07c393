/**
 * Test helpers of the LLaMA-family backbones (`@crossedit/backbone-llama/testing`): tiny HF checkpoints written
 * in a backbone's exact names and formats (safetensors, PyTorch `.bin`, sharded), random host weights, and
 * logits comparisons across backends.
 *
 * @packageDocumentation
 */
export { writeTorchBin, type TorchTensor } from './torch-bin.js';
export { writeHfCheckpoint, type CheckpointTensor, type WriteCheckpointOptions } from './checkpoint.js';
export { randomHostWeights, modelFromHost, rowsOf, concatRows, llamaFileTensors, fusedQkvFileTensors, type HostWeights } from './weights.js';
export { tryWebGpu, logitsOf, worstRatio, atReal } from './run.js';
export { crc32 } from './crc32.js';
export { tinyHfConfig, TINY_LLAMA, tempModelDir, SHARED_DIR } from './tiny.js';
export { describeCheckpointSuite, type CheckpointSuiteOptions } from './suite.js';
export { randomWeightChunks, writeRandomLlamaCheckpoint, RANDOM_CHUNK_ELEMENTS, type RandomCheckpointOptions } from './random-checkpoint.js';
