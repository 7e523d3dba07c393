/**
 * Reading a stored tensor straight into the dtype its device storage will have (`f32` or `f16` bits), into a
 * caller's reusable buffer, through a bounded scratch: the host memory of a read is the result plus a constant.
 */
import { FormatError, f32ToF16, type StorageDType } from '@crossedit/core';
import { CHUNK_BYTES, STORAGE_BYTES, decodeFloats, isFloatStorage, notFloatError } from './convert.js';
import type { RangeFile } from './range-file.js';

/** The dtypes a tensor can be read as for upload: float32, or IEEE half-precision bits. */
export type LoadDType = 'f32' | 'f16';

/** A tensor's values as read for upload: `Float32Array` for `f32`, `Uint16Array` of half bits for `f16`. */
export type LoadArray = Float32Array | Uint16Array;

/** Bytes per element of each {@link LoadDType}. */
export const LOAD_BYTES: Readonly<Record<LoadDType, number>> = { f32: 4, f16: 2 };

/** The largest finite half-precision value. */
export const F16_MAX = 65504;

/** Options of {@link CheckpointReader.readAs}. */
export interface ReadAsOptions {
  /** The shape the caller expects; a different stored shape is a `FormatError` naming the file and tensor. */
  shape?: readonly number[];
  /**
   * A buffer to read into (reused across tensors by streaming loaders); used when it holds the result,
   * otherwise a new buffer is allocated. The returned view starts at byte 0.
   */
  into?: ArrayBuffer;
  /** A conversion scratch to reuse (any size; {@link CHUNK_BYTES} is used when larger). */
  scratch?: Uint8Array;
}

/** What {@link CheckpointReader.readAs} returns. */
export interface ReadAsResult {
  /** The values in the requested dtype (a view of `into` when it was large enough). */
  data: LoadArray;
  /** Bytes read from the file (the stored size of the tensor). */
  storedBytes: number;
  /**
   * Values that were finite in the file but do not fit the requested dtype (|x| > 65504 for f16; they became
   * ±Infinity), and the flat index of the first. Zero when nothing overflowed.
   */
  overflow: { count: number; first: number; value: number };
}

/** A view of `n` elements of `dtype` over `into` when it is large enough, else a new array. */
export function loadArray(dtype: LoadDType, n: number, into?: ArrayBuffer): LoadArray {
  const fits = into && into.byteLength >= n * LOAD_BYTES[dtype];
  if (dtype === 'f32') return fits ? new Float32Array(into, 0, n) : new Float32Array(n);
  return fits ? new Uint16Array(into, 0, n) : new Uint16Array(n);
}

/** Overflow counter of one conversion. */
class Overflow {
  count = 0;
  first = -1;
  value = 0;
  note(i: number, v: number): void {
    if (this.count++ === 0) {
      this.first = i;
      this.value = v;
    }
  }
  result(): ReadAsResult['overflow'] {
    return { count: this.count, first: this.first, value: this.value };
  }
}

/** Encodes float32 values `src` as half bits into `out` from `at`, counting finite values past ±65504. */
function encodeF16(src: ArrayLike<number>, out: Uint16Array, at: number, of: Overflow): void {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    const h = f32ToF16(v);
    out[at + i] = h;
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) === 0 && Number.isFinite(v)) of.note(at + i, v);
  }
}

/**
 * Converts float32 values to a load dtype (a copy into `into` when given); counts f16 overflows.
 * Used for tensors that are not read from a plain byte range (GGUF quantisations, strided PyTorch views).
 */
export function convertF32(values: Float32Array, dtype: LoadDType, into?: ArrayBuffer): { data: LoadArray; overflow: ReadAsResult['overflow'] } {
  const of = new Overflow();
  if (dtype === 'f32') {
    if (!into || into.byteLength < values.byteLength) return { data: values, overflow: of.result() };
    const out = new Float32Array(into, 0, values.length);
    out.set(values);
    return { data: out, overflow: of.result() };
  }
  const out = loadArray('f16', values.length, into) as Uint16Array;
  encodeF16(values, out, 0, of);
  return { data: out, overflow: of.result() };
}

/**
 * Reads `numel` contiguous elements stored as `stored` at byte `offset` of `file` into `dtype`: equal dtypes are
 * read straight into the result; others go through a scratch of at most {@link CHUNK_BYTES}.
 */
export async function readSpanAs(
  file: RangeFile,
  offset: number,
  stored: StorageDType,
  numel: number,
  dtype: LoadDType,
  tensor: string,
  opts: Pick<ReadAsOptions, 'into' | 'scratch'> = {},
): Promise<ReadAsResult> {
  if (!isFloatStorage(stored)) throw notFloatError(file.path, tensor, stored);
  const what = `tensor '${tensor}'`;
  const size = STORAGE_BYTES[stored];
  const storedBytes = numel * size;
  const out = loadArray(dtype, numel, opts.into);
  const of = new Overflow();
  if (stored === dtype) {
    await file.readInto(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), offset, what);
    return { data: out, storedBytes, overflow: of.result() };
  }
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
  const scratchBytes = Math.min(perChunk, numel) * size;
  const scratch = opts.scratch && opts.scratch.byteLength >= scratchBytes ? opts.scratch : new Uint8Array(scratchBytes);
  // f16 results decode each chunk to float32 first (bf16 and f64 need the range check; f32 is already float32)
  const f32 = dtype === 'f16' && stored !== 'f32' ? new Float32Array(Math.min(perChunk, numel)) : null;
  for (let i = 0; i < numel; i += perChunk) {
    const n = Math.min(perChunk, numel - i);
    const view = scratch.subarray(0, n * size);
    await file.readInto(view, offset + i * size, what);
    if (dtype === 'f32') decodeFloats(stored, view, out as Float32Array, i);
    else if (stored === 'f32') encodeF16(new Float32Array(view.buffer, view.byteOffset, n), out as Uint16Array, i, of);
    else {
      decodeFloats(stored, view, f32!, 0);
      encodeF16(f32!.subarray(0, n), out as Uint16Array, i, of);
    }
  }
  return { data: out, storedBytes, overflow: of.result() };
}

/**
 * The error for a tensor whose finite values do not fit f16, naming the file, tensor, count, first element and
 * the way out (`--dtype f32`).
 */
export function overflowError(file: string, tensor: string, shape: readonly number[], o: ReadAsResult['overflow']): FormatError {
  const at = shape.length > 1 ? `[${unravel(o.first, shape).join(', ')}]` : String(o.first);
  return new FormatError(
    file,
    `tensor '${tensor}' [${shape.join(',')}] has ${o.count} value${o.count > 1 ? 's' : ''} outside the f16 range ±${F16_MAX} ` +
      `(first: ${o.value} at ${at}); expected values that fit half precision, or load it with --dtype f32`,
  );
}

/** The multi-index of flat element `i` of `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  return idx;
}
