/** Checkpoint I/O: streaming readers for safetensors, PyTorch zip-pickle `.bin` and GGUF, and a safetensors writer. */
export type { CheckpointDType, CheckpointFormat, CheckpointReader, GgmlQuantDType, ReadOptions, TensorEntry } from './types.js';
export { openCheckpoint, openCheckpointFile, CHECKPOINT_DIR_FILES } from './open.js';
export { SafetensorsReader, SAFETENSORS_DTYPES } from './safetensors.js';
export { writeSafetensors, type SafetensorsTensor } from './safetensors-writer.js';
export { PyTorchReader, ALLOWED_PICKLE_GLOBALS, MAX_PICKLE_BYTES, MAX_STATE_DICT_NAMES } from './pytorch.js';
export { GgufReader, GGML_TYPES, MAX_GGUF_HEADER_BYTES, type GgufValue } from './gguf.js';
export { ShardedReader, type ShardOpener } from './sharded.js';
export { unpickle, type UnpickleHooks } from './unpickle.js';
export { ZipReader, type ZipEntry } from './zip.js';
export { RangeFile } from './range-file.js';
export { STORAGE_BYTES, type WritableDType } from './convert.js';
export { GGUF_LLAMA_KEYS, GgufLlamaReader, ggufLlamaConfig, ggufLlamaName, unpermuteGgufRope } from './gguf-llama.js';
export { checkFinite } from './finite.js';
