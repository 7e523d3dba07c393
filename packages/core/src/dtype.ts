/**
 * Data types. Compute happens in `f32` (and `i32` for ids and positions). `f16` is a *storage* dtype of
 * weights: WebGPU keeps it as IEEE half precision (`shader-f16`) and the kernels that read weights
 * (MatMul, Gather) widen each element to f32 and accumulate in f32; Cast converts; the layout kernels
 * Reshape, Slice and Transpose move f16 values as they are; every other kernel refuses an `f16` input
 * (cast first). The CPU backends hold `f16` tensors widened (values rounded
 * to half precision, stored as float64 / float32) so a result still says that f16 weights ran.
 * `bf16` exists only as a checkpoint storage format (converted on load, see `@crossedit/transformer`).
 */

/** A dtype a tensor can have on a backend. */
export type DType = 'f32' | 'f16' | 'i32';

/** The dtypes weights may be stored in (`--dtype`). */
export type WeightDType = 'f32' | 'f16';

/**
 * Kernels that accept `f16` inputs (weights): the readers (MatMul, Gather: f32 out), Cast, and the layout
 * kernels that only move values (Reshape, Slice, Transpose: f16 out). The engine rejects an `f16` input
 * to any other kernel.
 */
export const F16_KERNELS: ReadonlySet<string> = new Set(['MatMul', 'Gather', 'Cast', 'Reshape', 'Slice', 'Transpose']);

/**
 * Data a backend's `upload` takes: host values of any {@link HostArray} type, or, for an `f16` tensor
 * only, the half-precision bit patterns themselves as a `Uint16Array` (no float32 round trip).
 */
export type UploadData = HostArray | Uint16Array;

/** The largest finite half-precision value. */
export const F16_MAX = 65504;

/** A dtype a checkpoint file can store. */
export type StorageDType = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/**
 * Host-side values of a tensor. The reference CPU backend keeps `f32` tensors in a `Float64Array`
 * (it accumulates in float64), so readers must accept both float array types.
 */
export type HostArray = Float32Array | Float64Array | Int32Array;

/** Bytes per element of a compute dtype on a backend that stores it natively. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'f16' ? 2 : 4;
}

/** Decodes IEEE half-precision bits to a number. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Encodes a number as IEEE half-precision bits (round to nearest even). */
export function f32ToF16(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** Decodes bfloat16 bits to a number. */
export function bf16ToF32(b: number): number {
  u32Scratch[0] = (b & 0xffff) << 16;
  return f32Scratch[0];
}

/** Encodes a number as bfloat16 bits (round to nearest even). */
export function f32ToBf16(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounding = 0x7fff + ((x >>> 16) & 1);
  return ((x + rounding) >>> 16) & 0xffff;
}

/** The nearest half-precision value of `v` (round to nearest even; beyond ±65504 gives ±Infinity). */
export function roundToF16(v: number): number {
  return f16ToF32(f32ToF16(v));
}

/** Half-precision bits of host values (each rounded to nearest even), or `data` itself when it is already bits. */
export function toF16Bits(data: ArrayLike<number>): Uint16Array {
  if (data instanceof Uint16Array) return data;
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f32ToF16(data[i]);
  return out;
}

let f16Table: Float32Array | undefined;

/** Float32 values of half-precision bits (through a 65536-entry table built on first use). */
export function fromF16Bits(bits: Uint16Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
  }
  const lut = f16Table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = lut[bits[i]];
  return out;
}
