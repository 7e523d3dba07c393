/** Ops that create tensors from host values. */
import type { Backend } from '../backend.js';
import type { DType, HostArray, UploadData } from '../dtype.js';
import { getBackend, runKernel, upload } from '../engine.js';
import { sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Options of the creating ops. */
export interface CreateOptions {
  /** Defaults to the backend set by `setBackend`. */
  backend?: Backend;
  /** Defaults to `f32`. */
  dtype?: DType;
}

/**
 * A tensor from host values (row-major). The shape defaults to `[values.length]`. With `dtype: 'f16'`
 * float values are rounded to half precision and a `Uint16Array` is taken as the half-precision bits.
 *
 * @example
 * ```ts
 * const ids = tensor([1, 5, 9], [1, 3], { dtype: 'i32' });
 * ```
 */
export function tensor(values: ArrayLike<number> | UploadData, shape?: Shape, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ?? (values instanceof Int32Array ? 'i32' : 'f32');
  const sh = shape ?? [values.length];
  let data: UploadData;
  if (dtype === 'f16' && values instanceof Uint16Array) data = values;
  else if (dtype === 'i32') data = values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
  else data = values instanceof Float32Array || values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>);
  return upload(opts.backend ?? getBackend(), data, sh, dtype);
}

/** A one-element tensor of shape `[]`. */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return fill([], value, opts);
}

/** A constant tensor. */
export function fill(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  return runKernel('Fill', {}, { shape: [...shape], dtype: opts.dtype ?? 'f32', value }, opts.backend ?? getBackend())[0];
}

/** Zeros. */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return fill(shape, 0, opts);
}

/** Ones. */
export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return fill(shape, 1, opts);
}

/** Zeros shaped (and placed) like `t`. */
export function zerosLike(t: Tensor): Tensor {
  return fill(t.shape, 0, { backend: t.backend, dtype: t.dtype });
}

/** Ones shaped (and placed) like `t`. */
export function onesLike(t: Tensor): Tensor {
  return fill(t.shape, 1, { backend: t.backend, dtype: t.dtype });
}

/** `[start, start+1, ..., stop-1]`. */
export function arange(start: number, stop: number, opts: CreateOptions = {}): Tensor {
  const n = Math.max(0, stop - start);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = start + i;
  return tensor(opts.dtype === 'i32' ? Int32Array.from(v) : v, [n], opts);
}

/** Copies a tensor to another backend (reads it back, uploads it). */
export async function toBackend(t: Tensor, backend: Backend): Promise<Tensor> {
  const data = await t.data();
  return upload(backend, data, t.shape, t.dtype);
}

/** Checks that `data` fills `shape`. @internal */
export function checkFill(data: ArrayLike<number>, shape: Shape): boolean {
  return data.length === sizeOf(shape);
}
