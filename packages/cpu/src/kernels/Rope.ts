import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * Rotary embedding, HF `rotate_half` layout, on `x: [B, S, H, Dh]` with positions `[B, S]`. With
 * `half = Dh/2` and, for `i < half`, `theta = pos * base^(-2i/Dh)` (computed in float64):
 * `y[i] = x[i] cos(theta) - x[i+half] sin(theta)`, `y[i+half] = x[i+half] cos(theta) + x[i] sin(theta)`.
 * `inverse` uses `-sin` (rotation by -theta, the transpose and the VJP).
 */
export function ropeImpl(
  x: ArrayLike<number>,
  positions: ArrayLike<number>,
  shape: readonly number[],
  base: number,
  inverse: boolean,
  out: Float64Array,
): void {
  const [B, S, H, Dh] = shape;
  const half = Dh / 2;
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = Math.pow(base, (-2 * i) / Dh);
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  const sgn = inverse ? -1 : 1;
  for (let bs = 0; bs < B * S; bs++) {
    const pos = positions[bs];
    for (let i = 0; i < half; i++) {
      const t = pos * invFreq[i];
      cos[i] = Math.cos(t);
      sin[i] = sgn * Math.sin(t);
    }
    for (let h = 0; h < H; h++) {
      const b = (bs * H + h) * Dh;
      for (let i = 0; i < half; i++) {
        const x1 = x[b + i];
        const x2 = x[b + i + half];
        out[b + i] = x1 * cos[i] - x2 * sin[i];
        out[b + i + half] = x2 * cos[i] + x1 * sin[i];
      }
    }
  }
}

/** Rotary position embedding (see {@link ropeImpl}). */
export const Rope: HostKernel<'Rope'> = ({ x, positions }, { base, inverse }, [o]) => {
  const out = alloc(o) as Float64Array;
  ropeImpl(x.data, positions.data, x.shape, base, inverse, out);
  return [out];
};
