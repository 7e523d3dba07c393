/** Storage dtype sizes and chunked conversion of stored bytes to float32. */
import { endianness } from 'node:os';
import { FormatError, f16ToF32, f32ToBf16, f32ToF16, type StorageDType } from '@crossedit/core';
import type { RangeFile } from './range-file.js';

if (endianness() !== 'LE') throw new Error('crossedit checkpoint readers require a little-endian host');

/** Bytes per element of each storage dtype. */
export const STORAGE_BYTES: Readonly<Record<StorageDType, number>> = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u8: 1,
  bool: 1,
};

/** Whether `read()` can convert a storage dtype to float32. */
export function isFloatStorage(dtype: StorageDType): boolean {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16' || dtype === 'f64';
}

let f16Table: Float32Array | undefined;

/** A 65536-entry table from half-precision bits to float32. */
export function f16Lut(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  return f16Table;
}

/** The size of the scratch buffer used when converting (bounds the transient memory of a read). */
export const CHUNK_BYTES = 8 << 20;

/**
 * Decodes `bytes` (whole elements of a float storage dtype, little-endian) into `out` starting at `at`.
 * `bytes.byteOffset` need not be aligned.
 */
export function decodeFloats(dtype: StorageDType, bytes: Uint8Array, out: Float32Array, at: number): void {
  const size = STORAGE_BYTES[dtype];
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  const n = bytes.byteLength / size;
  switch (dtype) {
    case 'f32':
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n), at);
      return;
    case 'f64':
      out.set(new Float64Array(bytes.buffer, bytes.byteOffset, n), at);
      return;
    case 'f16': {
      const lut = f16Lut();
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      for (let i = 0; i < n; i++) out[at + i] = lut[src[i]];
      return;
    }
    case 'bf16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      const dst = new Uint32Array(out.buffer, out.byteOffset + at * 4, n);
      for (let i = 0; i < n; i++) dst[i] = src[i] << 16;
      return;
    }
    default:
      throw new Error(`decodeFloats: ${dtype} is not a float dtype`);
  }
}

/** Throws the standard error for a non-float dtype passed to `read()`. */
export function notFloatError(file: string, tensor: string, dtype: string): FormatError {
  return new FormatError(
    file,
    `tensor '${tensor}' has dtype ${dtype}; read() converts only f32, f16, bf16, f64 (and GGUF q8_0, q4_0, q4_1) to float32 — use readRaw()`,
  );
}

/**
 * Reads `numel` contiguous elements of a float storage dtype at byte `offset` and returns them as float32,
 * converting through a bounded scratch buffer (f32 is read straight into the result).
 */
export async function readFloats(
  file: RangeFile,
  offset: number,
  dtype: StorageDType,
  numel: number,
  tensor: string,
): Promise<Float32Array> {
  if (!isFloatStorage(dtype)) throw notFloatError(file.path, tensor, dtype);
  const out = new Float32Array(numel);
  const what = `tensor '${tensor}'`;
  if (dtype === 'f32') {
    await file.readInto(new Uint8Array(out.buffer), offset, what);
    return out;
  }
  const size = STORAGE_BYTES[dtype];
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / size));
  const scratch = new Uint8Array(Math.min(perChunk, numel) * size);
  for (let i = 0; i < numel; i += perChunk) {
    const n = Math.min(perChunk, numel - i);
    const view = scratch.subarray(0, n * size);
    await file.readInto(view, offset + i * size, what);
    decodeFloats(dtype, view, out, i);
  }
  return out;
}

/** The dtypes {@link encodeFloats} can write. */
export type WritableDType = 'f32' | 'f16' | 'bf16';

/** Encodes `count` values of `src` starting at `start` as little-endian bytes of `dtype` (round to nearest even). */
export function encodeFloats(dtype: WritableDType, src: ArrayLike<number>, start: number, count: number): Uint8Array {
  if (dtype === 'f32') {
    const a = new Float32Array(count);
    if (src instanceof Float32Array || src instanceof Float64Array) a.set(src.subarray(start, start + count));
    else for (let i = 0; i < count; i++) a[i] = src[start + i];
    return new Uint8Array(a.buffer);
  }
  const a = new Uint16Array(count);
  const enc = dtype === 'f16' ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < count; i++) a[i] = enc(src[start + i]);
  return new Uint8Array(a.buffer);
}
