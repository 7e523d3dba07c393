/** The CPU backend's storage handle and the host-tensor view its kernels compute on. */
import type { DType, Shape, TensorInfo } from '@crossedit/core';
import { DisposedError, fromF16Bits, roundToF16, sizeOf } from '@crossedit/core';

/** Host data of a CPU tensor: `Float64Array` for `f32` and (widened) `f16` (the reference stores float64), `Int32Array` for `i32`. */
export type CpuArray = Float64Array | Int32Array;

/**
 * One storage of the CPU backend: a typed array that the backend owns. `data` becomes `null` once the
 * storage is freed; touching it afterwards throws a {@link DisposedError}. The reference backend holds
 * {@link CpuArray}s; the f32 backend (`createCpuF32Backend`) holds `Float32Array`s for `f32` tensors.
 */
export class CpuStorage<A extends CpuArray | Float32Array = CpuArray> {
  #data: A | null;

  /** Wraps `data` (not copied). */
  constructor(data: A) {
    this.#data = data;
  }

  /** The data; throws a {@link DisposedError} after {@link CpuStorage.release}. */
  get data(): A {
    if (!this.#data) throw new DisposedError('cpu backend: a storage was used after it was freed');
    return this.#data;
  }

  /** Whether the storage was released. */
  get isFreed(): boolean {
    return this.#data === null;
  }

  /** Bytes the storage holds: 8 per `f32` element, 4 per `i32` element. */
  get bytes(): number {
    return this.#data ? this.#data.byteLength : 0;
  }

  /** Drops the data. @internal (the backend calls it from `free`) */
  release(): void {
    this.#data = null;
  }
}

/** A tensor as the pure kernel functions see it: its host data, shape and dtype. */
export interface HostTensor {
  readonly data: CpuArray;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A zero-filled array for an output of the given shape and dtype. */
export function alloc(info: TensorInfo): CpuArray {
  const n = sizeOf(info.shape);
  return info.dtype === 'i32' ? new Int32Array(n) : new Float64Array(n);
}

/**
 * A zero-filled output like {@link alloc}, but a `Float32Array` for `f32` when `like` (an input) is one:
 * kernels that only move values (Transpose) then serve the f32 backend without a float64 round trip.
 */
export function allocLike(info: TensorInfo, like: ArrayLike<number>): CpuArray {
  if (info.dtype === 'f32' && like instanceof Float32Array) return new Float32Array(sizeOf(info.shape)) as unknown as CpuArray;
  return alloc(info);
}

/**
 * Copies host values into a new array of the CPU layout of `dtype` (`f32` → Float64Array; `f16` →
 * Float64Array of the values rounded to half precision, or decoded when `data` is a `Uint16Array` of bits).
 */
export function toCpuArray(data: ArrayLike<number>, dtype: DType): CpuArray {
  if (dtype === 'i32') return Int32Array.from(data);
  if (dtype === 'f16') return data instanceof Uint16Array ? Float64Array.from(fromF16Bits(data)) : Float64Array.from(data, roundToF16);
  return Float64Array.from(data);
}

/**
 * For each element of an output of `outShape` (row-major), the flat index of the element of an input of
 * `inShape` it reads under numpy broadcasting; `null` when the shapes are equal (the identity map).
 */
export function broadcastIndex(inShape: Shape, outShape: Shape): Int32Array | null {
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return null;
  const n = sizeOf(outShape);
  const idx = new Int32Array(n);
  if (n === 0) return idx;
  const r = outShape.length;
  const off = r - inShape.length;
  const st = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = i < off ? 1 : inShape[i - off];
    st[i] = d === 1 ? 0 : acc;
    acc *= d;
  }
  if (r === 0) return idx; // scalar out: one element at 0
  const last = outShape[r - 1];
  const sLast = st[r - 1];
  const counter = new Array<number>(r).fill(0);
  let base = 0;
  for (let o = 0; o < n; o += last) {
    for (let j = 0; j < last; j++) idx[o + j] = base + j * sLast;
    // advance the odometer over all but the last axis
    for (let a = r - 2; a >= 0; a--) {
      counter[a]++;
      base += st[a];
      if (counter[a] < outShape[a]) break;
      base -= st[a] * counter[a];
      counter[a] = 0;
    }
  }
  return idx;
}

/** Splits a shape around `axis` into `[outer, extent, inner]` element counts. */
export function splitAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}

/** Throws a RangeError when an index is outside `[0, n)`, naming the kernel, the input and the index. */
export function checkIndex(kernel: string, input: string, value: number, at: number, n: number): void {
  if (!(value >= 0 && value < n)) {
    throw new RangeError(`${kernel}: ${input}[${at}] = ${value} is out of range [0, ${n})`);
  }
}
