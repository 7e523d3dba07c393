/** The CPU reference backend: plain TypeScript, float64 storage and arithmetic for `f32` tensors. */
import type { Backend, BackendMemory, BackendTensor, DType, HostArray, UploadData, KernelAttrs, KernelInputs, KernelName, Shape, TensorInfo } from '@crossedit/core';
import { effectiveBindingLimit, sizeOf } from '@crossedit/core';
import { CPU_KERNELS } from './kernels/index.js';
import { CpuStorage, toCpuArray } from './storage.js';

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
export class CpuBackend implements Backend<CpuStorage> {
  readonly name = 'cpu';
  /** An artificial binding limit (tests of row sharding); none by default. See {@link CpuBackendOptions}. */
  readonly maxBindingBytes: number | undefined;
  readonly #live = new Set<CpuStorage>();
  #bytes = 0;
  #disposed = false;
  /** `f16` tensors are held widened: their values rounded to half precision, computed on like `f32`. */
  readonly f16 = 'widened' as const;

  constructor(opts: CpuBackendOptions = {}) {
    this.maxBindingBytes = effectiveBindingLimit(undefined, opts.maxBindingBytes);
  }

  /** Copies host data into a new storage (`f32` data is widened to float64). */
  upload(data: UploadData, shape: Shape, dtype: DType): CpuStorage {
    this.#check();
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(`cpu upload: ${data.length} values do not fill shape [${shape.join(',')}]`);
    }
    return this.#adopt(new CpuStorage(toCpuArray(data, dtype)));
  }

  /** A copy of the data: a `Float64Array` for `f32`, an `Int32Array` for `i32`. */
  async read(storage: CpuStorage, _info: TensorInfo): Promise<HostArray> {
    return storage.data.slice();
  }

  /** Releases a storage (idempotent). */
  free(storage: CpuStorage): void {
    if (!this.#live.delete(storage)) return;
    this.#bytes -= storage.bytes;
    storage.release();
  }

  /** Runs one kernel synchronously; the outputs are new storages. */
  run<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<CpuStorage>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): CpuStorage[] {
    this.#check();
    const impl = CPU_KERNELS[kernel];
    const res = impl(inputs, attrs, outputs);
    for (let i = 0; i < res.length; i++) {
      const n = sizeOf(outputs[i].shape);
      if (res[i].data.length !== n) {
        throw new Error(`cpu ${kernel}: output ${i} has ${res[i].data.length} elements, expected ${n} (a kernel bug)`);
      }
      this.#adopt(res[i]);
    }
    return res;
  }

  /** Live storages and their bytes (8 per `f32` element, 4 per `i32` element); nothing is pooled. */
  memory(): BackendMemory {
    return { bytesInUse: this.#bytes, bytesPooled: 0, storages: this.#live.size };
  }

  /** Resolves immediately: CPU kernels finish before `run` returns. */
  async sync(): Promise<void> {}

  /** Frees every live storage; the backend cannot be used afterwards. */
  dispose(): void {
    for (const s of this.#live) s.release();
    this.#live.clear();
    this.#bytes = 0;
    this.#disposed = true;
  }

  #adopt(s: CpuStorage): CpuStorage {
    this.#live.add(s);
    this.#bytes += s.bytes;
    return s;
  }

  #check(): void {
    if (this.#disposed) throw new Error('cpu backend: used after dispose()');
  }
}

/** Options of the CPU backends. */
export interface CpuBackendOptions {
  /**
   * An artificial binding limit in logical bytes (4 per `f32`/`i32` element), so that tensors past it
   * are row-sharded by the engine as on a GPU; `CROSSEDIT_MAX_BINDING_BYTES` sets it too (the smaller
   * wins). Default: no limit. For tests of sharded execution on small shapes.
   */
  maxBindingBytes?: number;
}

/** Creates a CPU reference backend. */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  return new CpuBackend(opts);
}
