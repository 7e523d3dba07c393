import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * Rotary embedding, HF `rotate_half` layout, on `x: [B, S, H, Dh]` with positions `[B, S]`. With
 * `half = Dh/2` and, for `i < half`, `theta = pos * base^(-2i/Dh)` (computed in float64):
 * `y[i] = x[i] cos(theta) - x[i+half] sin(theta)`, `y[i+half] = x[i+half] cos(theta) + x[i] sin(theta)`.
 * `inverse` uses `-sin` (rotation by -theta, the transpose and the VJP). The cos/sin of integer
 * positions are tabulated once per (base, Dh) (the same values, computed once).
 */
export function ropeImpl(
  x: ArrayLike<number>,
  positions: ArrayLike<number>,
  shape: readonly number[],
  base: number,
  inverse: boolean,
  out: Float64Array | Float32Array,
): void {
  const [B, S, H, Dh] = shape;
  const half = Dh / 2;
  let maxPos = 0;
  for (let bs = 0; bs < B * S; bs++) maxPos = Math.max(maxPos, positions[bs]);
  const table = angles(base, Dh, maxPos);
  const sgn = inverse ? -1 : 1;
  for (let bs = 0; bs < B * S; bs++) {
    const pos = positions[bs];
    const direct = table === null || !(Number.isInteger(pos) && pos >= 0);
    const cos = direct ? new Float64Array(half) : table.cos.subarray(pos * half, pos * half + half);
    const sin = direct ? new Float64Array(half) : table.sin.subarray(pos * half, pos * half + half);
    if (direct) {
      for (let i = 0; i < half; i++) {
        const t = pos * Math.pow(base, (-2 * i) / Dh);
        cos[i] = Math.cos(t);
        sin[i] = Math.sin(t);
      }
    }
    for (let h = 0; h < H; h++) {
      const b = (bs * H + h) * Dh;
      for (let i = 0; i < half; i++) {
        const x1 = x[b + i];
        const x2 = x[b + i + half];
        const c = cos[i];
        const sn = sgn * sin[i];
        out[b + i] = x1 * c - x2 * sn;
        out[b + i + half] = x2 * c + x1 * sn;
      }
    }
  }
}

/** cos/sin of `pos * base^(-2i/Dh)` for integer positions `[0, cap)`, per (base, Dh); grown on demand. */
const ANGLES = new Map<string, { cap: number; cos: Float64Array; sin: Float64Array }>();

/** The angle table covering positions up to `maxPos` (null for positions too large to tabulate). */
function angles(base: number, Dh: number, maxPos: number): { cos: Float64Array; sin: Float64Array } | null {
  if (!(maxPos < 1 << 20)) return null;
  const key = `${base}|${Dh}`;
  const half = Dh / 2;
  let t = ANGLES.get(key);
  if (!t || t.cap <= maxPos) {
    const cap = Math.max(256, 2 ** Math.ceil(Math.log2(maxPos + 1)));
    const cos = new Float64Array(cap * half);
    const sin = new Float64Array(cap * half);
    const invFreq = new Float64Array(half);
    for (let i = 0; i < half; i++) invFreq[i] = Math.pow(base, (-2 * i) / Dh);
    for (let pos = 0; pos < cap; pos++) {
      for (let i = 0; i < half; i++) {
        const a = pos * invFreq[i];
        cos[pos * half + i] = Math.cos(a);
        sin[pos * half + i] = Math.sin(a);
      }
    }
    t = { cap, cos, sin };
    if (ANGLES.size > 16) ANGLES.clear();
    ANGLES.set(key, t);
  }
  return t;
}

/** Rotary position embedding (see {@link ropeImpl}). */
export const Rope: HostKernel<'Rope'> = ({ x, positions }, { base, inverse }, [o]) => {
  const out = alloc(o) as Float64Array;
  ropeImpl(x.data, positions.data, x.shape, base, inverse, out);
  return [out];
};
