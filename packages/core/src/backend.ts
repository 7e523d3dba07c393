/**
 * The backend contract. A backend stores tensor data and runs the kernels named in `kernels/defs.ts`;
 * it knows nothing of autograd, scopes or tensors' lifetimes (the engine owns those). Kernel calls are
 * synchronous to issue (a GPU backend may only enqueue them); `read` is the one asynchronous call and
 * waits for the work that produces the data.
 */
import type { DType, HostArray } from './dtype.js';
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
  /** Copies host data into a new storage. `data.length` equals the size of `shape`. */
  upload(data: HostArray, shape: Shape, dtype: DType): S;
  /** Reads a storage back. `f32` data may come as Float32Array or (CPU reference) Float64Array. */
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
