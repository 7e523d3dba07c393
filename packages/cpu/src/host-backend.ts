/** What the two CPU backends share: the storage registry, synchronous kernel runs and their checks. */
import type { Backend, BackendMemory, BackendTensor, DType, HostArray, KernelAttrs, KernelImpls, KernelInputs, KernelName, Shape, TensorInfo, UploadData } from '@crossedit/core';
import { effectiveBindingLimit, sizeOf } from '@crossedit/core';
import type { CpuArray } from './storage.js';
import { CpuStorage } from './storage.js';

/** Options of the CPU backends. */
export interface CpuBackendOptions {
  /**
   * An artificial binding limit in logical bytes (4 per `f32`/`i32` element), so that tensors past it
   * are row-sharded by the engine as on a GPU; `CROSSEDIT_MAX_BINDING_BYTES` sets it too (the smaller
   * wins). Default: no limit. For tests of sharded execution on small shapes.
   */
  maxBindingBytes?: number;
}

/** Time spent in one kernel (see {@link HostBackend.startProfile}). */
export interface KernelTime {
  /** Runs of the kernel. */
  calls: number;
  /** Wall milliseconds inside the kernel's implementation, the output checks included. */
  ms: number;
}

/**
 * The base of the CPU backends: host typed arrays of layout `A` in {@link CpuStorage}s that the backend
 * tracks (live storages and bytes; nothing is pooled), kernels from a table that run synchronously, and
 * the checks every run makes (output sizes, use after `dispose`). A subclass names itself, gives the
 * kernel table and says how host data becomes its array layout.
 */
export abstract class HostBackend<A extends CpuArray | Float32Array> implements Backend<CpuStorage<A>> {
  /** The backend's name; it prefixes every error message. */
  abstract readonly name: string;
  /** An artificial binding limit (tests of row sharding); none by default. See {@link CpuBackendOptions}. */
  readonly maxBindingBytes: number | undefined;
  /** `f16` tensors are held widened: their values rounded to half precision, computed on like `f32`. */
  readonly f16 = 'widened' as const;
  readonly #kernels: KernelImpls<CpuStorage<A>>;
  readonly #live = new Set<CpuStorage<A>>();
  #bytes = 0;
  #disposed = false;
  #profile: Map<string, KernelTime> | null = null;
  #profileShapes = false;

  protected constructor(kernels: KernelImpls<CpuStorage<A>>, opts: CpuBackendOptions) {
    this.#kernels = kernels;
    this.maxBindingBytes = effectiveBindingLimit(undefined, opts.maxBindingBytes);
  }

  /** Host values in this backend's layout for `dtype` (a new array). */
  protected abstract toArray(data: UploadData, dtype: DType): A;

  /** Copies host data into a new storage. */
  upload(data: UploadData, shape: Shape, dtype: DType): CpuStorage<A> {
    this.#check();
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(`${this.name} upload: ${data.length} values do not fill shape [${shape.join(',')}]`);
    }
    return this.#adopt(new CpuStorage<A>(this.toArray(data, dtype)));
  }

  /** A copy of the data, in the storage's layout. */
  async read(storage: CpuStorage<A>, _info: TensorInfo): Promise<HostArray> {
    return storage.data.slice();
  }

  /** Releases a storage (idempotent). */
  free(storage: CpuStorage<A>): void {
    if (!this.#live.delete(storage)) return;
    this.#bytes -= storage.bytes;
    storage.release();
  }

  /** Runs one kernel synchronously; the outputs are new storages. */
  run<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<CpuStorage<A>>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): CpuStorage<A>[] {
    this.#check();
    if (this.#profile) return this.#timed(kernel, inputs, attrs, outputs);
    const res = this.#kernels[kernel](inputs, attrs, outputs);
    for (let i = 0; i < res.length; i++) {
      const n = sizeOf(outputs[i].shape);
      if (res[i].data.length !== n) {
        throw new Error(`${this.name} ${kernel}: output ${i} has ${res[i].data.length} elements, expected ${n} (a kernel bug)`);
      }
      this.#adopt(res[i]);
    }
    return res;
  }

  /**
   * Starts timing every kernel run (wall time per kernel name, `Binary`, `Unary` and `Reduce` split by
   * their `op`: `Binary.mul`), until {@link HostBackend.stopProfile}. With `shapes`, the key also names
   * the input shapes (`Reduce.sum [256,6144]`). Off by default; while off, `run` pays one field check.
   *
   * @example
   * ```ts
   * backend.startProfile();
   * await trainer.step();
   * for (const [k, t] of backend.stopProfile()) console.log(k, t.calls, t.ms.toFixed(1));
   * ```
   */
  startProfile(opts: { shapes?: boolean } = {}): void {
    this.#profile = new Map();
    this.#profileShapes = opts.shapes ?? false;
  }

  /** Stops timing and returns the kernel times since {@link HostBackend.startProfile} (empty if it was not started). */
  stopProfile(): Map<string, KernelTime> {
    const p = this.#profile ?? new Map<string, KernelTime>();
    this.#profile = null;
    return p;
  }

  #timed<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<CpuStorage<A>>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): CpuStorage<A>[] {
    const profile = this.#profile!;
    this.#profile = null;
    const t0 = performance.now();
    try {
      return this.run(kernel, inputs, attrs, outputs);
    } finally {
      const ms = performance.now() - t0;
      this.#profile = profile;
      const op = (attrs as { op?: unknown } | undefined)?.op;
      let key = typeof op === 'string' && (kernel === 'Binary' || kernel === 'Unary' || kernel === 'Reduce') ? `${kernel}.${op}` : kernel;
      if (this.#profileShapes) {
        const shapes = Object.values(inputs as Record<string, BackendTensor | BackendTensor[]>).flatMap((v) => (Array.isArray(v) ? v : [v]).map((t) => `[${t.shape.join(',')}]`));
        key += ` ${shapes.join(' ')}`;
      }
      const e = profile.get(key);
      if (e) {
        e.calls++;
        e.ms += ms;
      } else profile.set(key, { calls: 1, ms });
    }
  }

  /** Live storages and the bytes their arrays hold; nothing is pooled. */
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

  #adopt(s: CpuStorage<A>): CpuStorage<A> {
    this.#live.add(s);
    this.#bytes += s.bytes;
    return s;
  }

  #check(): void {
    if (this.#disposed) throw new Error(`${this.name} backend: used after dispose()`);
  }
}
