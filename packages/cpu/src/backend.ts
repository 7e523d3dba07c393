/** The CPU reference backend: plain TypeScript, float64 storage and arithmetic for `f32` tensors. */
import type { DType, UploadData } from '@crossedit/core';
import { HostBackend, type CpuBackendOptions } from './host-backend.js';
import { CPU_KERNELS } from './kernels/index.js';
import { toCpuArray, type CpuArray } from './storage.js';

export type { CpuBackendOptions } from './host-backend.js';

/**
 * The reference backend. `f32` tensors live in `Float64Array`s and every kernel computes in float64, so
 * it is the oracle the WebGPU kernels and all gradients are tested against; `i32` tensors live in
 * `Int32Array`s. Kernels run synchronously; `sync` resolves at once.
 *
 * @example
 * ```ts
 * import { setBackend, tensor, matmul } from '@crossedit/core';
 * import { createCpuBackend } from '@crossedit/cpu';
 * setBackend(createCpuBackend());
 * const y = matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 0, 0, 1], [2, 2]));
 * console.log(await y.data()); // Float64Array [1, 2, 3, 4]
 * ```
 */
export class CpuBackend extends HostBackend<CpuArray> {
  readonly name = 'cpu';

  constructor(opts: CpuBackendOptions = {}) {
    super(CPU_KERNELS, opts);
  }

  /** `f32` data is widened to float64; `f16` rounded to half precision (or decoded from bits), then widened. */
  protected toArray(data: UploadData, dtype: DType): CpuArray {
    return toCpuArray(data, dtype);
  }
}

/** Creates a CPU reference backend. */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(opts);
}
