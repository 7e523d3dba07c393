/**
 * Data types. Compute happens in `f32` (and `i32` for ids and positions); `f16` and `bf16` exist only as
 * storage formats of checkpoints and are converted on load.
 */

/** A dtype a tensor can have on a backend. */
export type DType = 'f32' | 'i32';

/** A dtype a checkpoint file can store. */
export type StorageDType = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u8' | 'bool';

/**
 * Host-side values of a tensor. The reference CPU backend keeps `f32` tensors in a `Float64Array`
 * (it accumulates in float64), so readers must accept both float array types.
 */
export type HostArray = Float32Array | Float64Array | Int32Array;

/** Bytes per element of a compute dtype on a backend that stores it natively. */
export function bytesPerElement(dtype: DType): number {
  return 4;
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
