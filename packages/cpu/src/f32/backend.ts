/** The f32 CPU backend: Float32Array storage, WebAssembly SIMD GEMM, the reference kernels elsewhere. */
import type { Backend, BackendMemory, BackendTensor, DType, HostArray, KernelAttrs, KernelImpls, KernelInputs, KernelName, Shape, TensorInfo } from '@crossedit/core';
import { effectiveBindingLimit, fromF16Bits, roundToF16, sizeOf, type UploadData } from '@crossedit/core';
import type { CpuBackendOptions } from '../backend.js';
import { CpuStorage } from '../storage.js';
import { f32Kernels, type F32Array, type F32Storage } from './kernels.js';
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
export class CpuF32Backend implements Backend<F32Storage> {
  readonly name = 'cpu-f32';
  /** An artificial binding limit (tests of row sharding); none by default. */
  readonly maxBindingBytes: number | undefined;
  readonly #kernels: KernelImpls<F32Storage>;
  readonly #live = new Set<F32Storage>();
  #bytes = 0;
  #disposed = false;
  /** `f16` tensors are held widened: their values rounded to half precision, computed on like `f32`. */
  readonly f16 = 'widened' as const;

  constructor(opts: CpuBackendOptions = {}) {
    this.maxBindingBytes = effectiveBindingLimit(undefined, opts.maxBindingBytes);
    this.#kernels = f32Kernels(new WasmGemm());
  }

  /** Copies host data into a new storage (`f32` data is rounded to f32). */
  upload(data: UploadData, shape: Shape, dtype: DType): F32Storage {
    this.#check();
    if (data.length !== sizeOf(shape)) throw new RangeError(`cpu-f32 upload: ${data.length} values do not fill shape [${shape.join(',')}]`);
    const arr: F32Array = dtype === 'i32' ? Int32Array.from(data) : dtype === 'f16' ? toF16Values(data) : Float32Array.from(data);
    return this.#adopt(new CpuStorage<F32Array>(arr));
  }

  /** A copy of the data: a `Float32Array` for `f32`, an `Int32Array` for `i32`. */
  async read(storage: F32Storage, _info: TensorInfo): Promise<HostArray> {
    return storage.data.slice();
  }

  /** Releases a storage (idempotent). */
  free(storage: F32Storage): void {
    if (!this.#live.delete(storage)) return;
    this.#bytes -= storage.bytes;
    storage.release();
  }

  /** Runs one kernel synchronously; the outputs are new storages. */
  run<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<F32Storage>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): F32Storage[] {
    this.#check();
    const res = this.#kernels[kernel](inputs, attrs, outputs);
    for (let i = 0; i < res.length; i++) {
      const n = sizeOf(outputs[i].shape);
      if (res[i].data.length !== n) throw new Error(`cpu-f32 ${kernel}: output ${i} has ${res[i].data.length} elements, expected ${n} (a kernel bug)`);
      this.#adopt(res[i]);
    }
    return res;
  }

  /** Live storages and their bytes (4 per element); nothing is pooled. */
  memory(): BackendMemory {
    return { bytesInUse: this.#bytes, bytesPooled: 0, storages: this.#live.size };
  }

  /** Resolves immediately: kernels finish before `run` returns. */
  async sync(): Promise<void> {}

  /** Frees every live storage; the backend cannot be used afterwards. */
  dispose(): void {
    for (const s of this.#live) s.release();
    this.#live.clear();
    this.#bytes = 0;
    this.#disposed = true;
  }

  #adopt(s: F32Storage): F32Storage {
    this.#live.add(s);
    this.#bytes += s.bytes;
    return s;
  }

  #check(): void {
    if (this.#disposed) throw new Error('cpu-f32 backend: used after dispose()');
  }
}

/** Creates the f32 CPU backend (assembles its WebAssembly kernels; needs WebAssembly SIMD, Node >= 16.4). */
export function createCpuF32Backend(opts: CpuBackendOptions = {}): CpuF32Backend {
  return new CpuF32Backend(opts);
}
