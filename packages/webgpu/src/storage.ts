/** The WebGPU backend's storage handle. */
import type { DType } from '@crossedit/core';

/**
 * A tensor's data on the device: a pooled `GPUBuffer` whose first `bytes` bytes hold the row-major
 * elements (4 bytes each for `f32` and `i32`, 2 for `f16`, rounded up to a multiple of 4 bytes). The buffer may be larger (size classes, a 16-byte
 * minimum so that empty tensors can still be bound).
 *
 * A `Fill` output is a *pending constant*: `constant` holds the 32-bit pattern of every element and
 * nothing has been written to the buffer yet. Elementwise programs read such an input from a uniform;
 * any other program that binds it, or a read-back, gets the value written first (the backend does it,
 * once, in dispatch order). Storages are never written after the program that produced them, so the
 * pattern stays true for the storage's life.
 */
export interface GpuStorage {
  readonly buffer: GPUBuffer;
  /** Logical size in bytes (elements × bytes per element, a multiple of 4). */
  readonly bytes: number;
  /** Allocated size of `buffer` (its size class). */
  readonly capacity: number;
  readonly dtype: DType;
  /** Unique id, for debugging and double-free detection. */
  readonly id: number;
  /** Set by `free`; a freed storage must not be used again. */
  freed: boolean;
  /** Bit pattern of every element while the buffer has not been written yet (see above). */
  constant?: number;
}

/** The element bit pattern of a pending constant storage, or `undefined` (see {@link GpuStorage}). */
export function constantBits(s: GpuStorage): number | undefined {
  return s.constant;
}
