/** The f32 CPU backend: Float32Array storage, WebAssembly SIMD GEMM, the reference kernels elsewhere. */
import type { DType } from '@crossedit/core';
import { fromF16Bits, roundToF16, type UploadData } from '@crossedit/core';
import { HostBackend, type CpuBackendOptions } from '../host-backend.js';
import { f32Kernels, type F32Array } from './kernels.js';
import { WasmGemm } from './matmul.js';

/** Float32 values of `f16` upload data: decoded bits, or values rounded to half precision. */
function toF16Values(data: UploadData): Float32Array {
  return data instanceof Uint16Array ? fromF16Bits(data) : Float32Array.from(data, roundToF16);
}

/**
 * A fast CPU backend for machines without a GPU: `f32` tensors are stored as `Float32Array`s and
 * every kernel's result is rounded to f32 (as on a WebGPU device), matmul runs on a WebAssembly SIMD
 * GEMM, the other kernels are the reference's with their results rounded. The float64
 * {@link CpuBackend} stays the oracle; this backend is tested against it with f32 tolerances.
 *
 * @example
 * ```ts
 * import { setBackend } from '@crossedit/core';
 * import { createCpuF32Backend } from '@crossedit/cpu';
 * setBackend(createCpuF32Backend());
 * ```
 */
export class CpuF32Backend extends HostBackend<F32Array> {
  readonly name = 'cpu-f32';

  constructor(opts: CpuBackendOptions = {}) {
    super(f32Kernels(new WasmGemm()), opts);
  }

  /** `f32` data is rounded to f32; `f16` rounded to half precision (or decoded from bits). */
  protected toArray(data: UploadData, dtype: DType): F32Array {
    return dtype === 'i32' ? Int32Array.from(data) : dtype === 'f16' ? toF16Values(data) : Float32Array.from(data);
  }
}

/** Creates the f32 CPU backend (assembles its WebAssembly kernels; needs WebAssembly SIMD, Node >= 16.4). */
export function createCpuF32Backend(opts: CpuBackendOptions = {}): CpuF32Backend {
  return new CpuF32Backend(opts);
}
