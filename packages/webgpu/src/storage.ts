/** The WebGPU backend's storage handle. */
import type { DType } from '@crossedit/core';

/**
 * A tensor's data on the device: a pooled `GPUBuffer` whose first `bytes` bytes hold the row-major
 * elements (4 bytes each for both `f32` and `i32`). The buffer may be larger (size classes, a 16-byte
 * minimum so that empty tensors can still be bound).
 */
export interface GpuStorage {
  readonly buffer: GPUBuffer;
  /** Logical size in bytes (elements × 4). */
  readonly bytes: number;
  /** Allocated size of `buffer` (its size class). */
  readonly capacity: number;
  readonly dtype: DType;
  /** Unique id, for debugging and double-free detection. */
  readonly id: number;
  /** Set by `free`; a freed storage must not be used again. */
  freed: boolean;
}
