/** Checkpoint I/O: streaming readers for safetensors, PyTorch zip-pickle `.bin` and GGUF, and a safetensors writer. */
export type { CheckpointDType, CheckpointFormat, CheckpointReader, GgmlQuantDType, ReadOptions, TensorEntry } from './types.js';
export { openCheckpoint, openCheckpointFile, CHECKPOINT_DIR_FILES } from './open.js';
export { SafetensorsReader, SAFETENSORS_DTYPES } from './safetensors.js';
export { writeSafetensors, type RawTensorSource, type SafetensorsTensor } from './safetensors-writer.js';
export { writeShardedSafetensors, type ShardedWriteOptions } from './sharded-writer.js';
export { PyTorchReader, ALLOWED_PICKLE_GLOBALS, MAX_PICKLE_BYTES, MAX_STATE_DICT_NAMES } from './pytorch.js';
export { GgufReader, GGML_TYPES, MAX_GGUF_HEADER_BYTES, type GgufValue } from './gguf.js';
export { ShardedReader, type ShardOpener } from './sharded.js';
export { unpickle, type UnpickleHooks } from './unpickle.js';
export { ZipReader, type ZipEntry } from './zip.js';
export { RangeFile } from './range-file.js';
export { STORAGE_BYTES, type WritableDType } from './convert.js';
export { GGUF_LLAMA_KEYS, GgufLlamaReader, ggufLlamaConfig, ggufLlamaName, unpermuteGgufRope } from './gguf-llama.js';
export { checkFinite, checkFiniteF16 } from './finite.js';
export { LOAD_BYTES, F16_MAX, convertF32, loadArray, overflowError, readSpanAs, type LoadArray, type LoadDType, type ReadAsOptions, type ReadAsResult } from './read-as.js';
export { readTensorAs, storedBytesOf } from './read-tensor.js';
export { streamTensors, type StreamRequest, type StreamStats, type StreamTensorsOptions } from './stream.js';
export { DEVICE_MEMORY_ENV, FitError, availableHostMemory, checkFit, deviceLimitsOf, estimateFit, fmtBytes, type DeviceLimits, type DeviceLimitsOptions, type FitEstimate, type FitTensor } from './fit.js';
