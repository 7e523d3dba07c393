/**
 * The backend contract. A backend stores tensor data and runs the kernels named in `kernels/defs.ts`;
 * it knows nothing of autograd, scopes or tensors' lifetimes (the engine owns those). Kernel calls are
 * synchronous to issue (a GPU backend may only enqueue them); `read` is the one asynchronous call and
 * waits for the work that produces the data.
 */
import type { DType, HostArray, UploadData } from './dtype.js';
import type { KernelAttrs, KernelInputs, KernelName } from './kernels/defs.js';
import type { TensorInfo } from './kernels/spec.js';
import type { Shape } from './shape.js';

/** A tensor as a backend sees it: its storage handle, shape and dtype. Data is dense and row-major. */
export interface BackendTensor<S = unknown> {
  readonly storage: S;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** One kernel's implementation: returns one new storage per output info. */
export type KernelImpl<K extends KernelName, S> = (
  inputs: KernelInputs<K, BackendTensor<S>>,
  attrs: KernelAttrs<K>,
  outputs: readonly TensorInfo[],
) => S[];

/** A backend's kernel table; missing a kernel is a compile error. */
export type KernelImpls<S> = { readonly [K in KernelName]: KernelImpl<K, S> };

/** Memory a backend holds. */
export interface BackendMemory {
  /** Bytes held by live storages. */
  bytesInUse: number;
  /** Bytes kept in a reuse pool (freed by `dispose`). */
  bytesPooled: number;
  /** Number of live storages. */
  storages: number;
}

/** A compute backend. */
export interface Backend<S = unknown> {
  /** `'cpu'`, `'webgpu'`, ... */
  readonly name: string;
  /**
   * How `f16` tensors are held: `'native'` as half precision on the device, `'widened'` as f32/f64
   * values rounded to half precision (CPU backends). Absent: the backend cannot hold `f16` tensors.
   * Optional (added for half-precision weights; backends without it keep working in f32).
   */
  readonly f16?: 'native' | 'widened';
  /**
   * The largest storage, in logical bytes (elements × `bytesPerElement`), that one kernel can bind
   * (WebGPU's `maxStorageBufferBindingSize`, or an artificial limit set for tests). Optional: absent
   * means no limit. A tensor past it is row-sharded by the engine: the backend only ever sees blocks
   * below it (see `shard/` and the core README).
   */
  readonly maxBindingBytes?: number;
  /**
   * Copies host data into a new storage. `data.length` equals the size of `shape`. For an `f16`
   * tensor, float values are rounded to half precision and a `Uint16Array` is taken as the bits.
   */
  upload(data: UploadData, shape: Shape, dtype: DType): S;
  /**
   * Reads a storage back. `f32` and `f16` data may come as Float32Array or (CPU reference)
   * Float64Array (an `f16` tensor reads as its values, each exactly a half-precision number).
   */
  read(storage: S, info: TensorInfo): Promise<HostArray>;
  /** Releases a storage; it is never used again. */
  free(storage: S): void;
  /** Runs one kernel. Outputs are new storages. */
  run<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<S>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): S[];
  /** Memory counters. */
  memory(): BackendMemory;
  /** Resolves when all issued work has finished. */
  sync(): Promise<void>;
  /** Releases everything the backend holds (device, pools). */
  dispose(): void;
}
