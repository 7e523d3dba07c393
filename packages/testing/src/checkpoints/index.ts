/**
 * `@crossedit/testing/checkpoints`: tiny LLaMA checkpoints in each format a backbone loads — HF safetensors and
 * PyTorch `.bin` (`torch.save` zip), single file or sharded with an index, f32 / f16 / bf16, and llama.cpp GGUF —
 * from random host weights, plus the HF-layout reference model those weights make.
 *
 * @example
 * ```ts
 * import { TINY_LLAMA, randomHostWeights, llamaFileTensors, tinyHfConfig, writeHfCheckpoint, tempModelDir } from '@crossedit/testing/checkpoints';
 * const host = randomHostWeights(TINY_LLAMA);
 * const dir = tempModelDir();
 * await writeHfCheckpoint(dir, llamaFileTensors(host, TINY_LLAMA), { format: 'safetensors', shards: 2, config: tinyHfConfig(TINY_LLAMA) });
 * ```
 *
 * @packageDocumentation
 */
export { writeTorchBin, type TorchTensor } from './torch-bin.js';
export { writeHfCheckpoint, type CheckpointTensor, type WriteCheckpointOptions } from './hf.js';
export { writeLlamaGguf, ggufNameOf, permuteToGguf, type WriteGgufOptions } from './gguf.js';
export { randomHostWeights, modelFromHost, rowsOf, concatRows, llamaFileTensors, fusedQkvFileTensors, type HostWeights } from './host-weights.js';
export { TINY_LLAMA, tinyHfConfig, tempModelDir } from './tiny-config.js';
