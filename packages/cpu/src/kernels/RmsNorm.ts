import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** RMSNorm of each row of length `d`: `y = x * (1 / sqrt(mean(x^2) + eps)) * w`, in float64. */
export function rmsNormImpl(x: ArrayLike<number>, w: ArrayLike<number>, eps: number, out: Float64Array | Float32Array, d: number): void {
  for (let b = 0; b < out.length; b += d) {
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[b + i] * x[b + i];
    const r = 1 / Math.sqrt(ss / d + eps);
    for (let i = 0; i < d; i++) out[b + i] = x[b + i] * r * w[i];
  }
}

/** RMSNorm over the last axis with weight `[D]` (see {@link rmsNormImpl}). */
export const RmsNorm: HostKernel<'RmsNorm'> = ({ x, weight }, { eps }, [o]) => {
  const out = alloc(o) as Float64Array;
  const d = x.shape[x.shape.length - 1];
  if (d > 0) rmsNormImpl(x.data, weight.data, eps, out, d);
  return [out];
};

/**
 * RMSNorm's input VJP per row of length `d` (float64, the operations in the order of the unfused rule,
 * so results are equal): `r = 1 / sqrt(sum(x^2) / d + eps)`, `m = sum((dy * w) * x) / d`,
 * `dx = r * (dy * w) - (x * (r * (r * r))) * m`; `rOut` gets r per row.
 */
export function rmsNormGradImpl(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>, eps: number, d: number, dx: Float64Array | Float32Array, rOut: Float64Array | Float32Array): void {
  for (let b = 0, row = 0; b < dx.length; b += d, row++) {
    let ss = 0;
    let sg = 0;
    for (let i = 0; i < d; i++) {
      const v = x[b + i];
      ss += v * v;
      sg += dy[b + i] * w[i] * v;
    }
    const r = 1 / Math.sqrt(ss / d + eps);
    const m = sg / d;
    const r3 = r * (r * r);
    for (let i = 0; i < d; i++) dx[b + i] = r * (dy[b + i] * w[i]) - x[b + i] * r3 * m;
    rOut[row] = r;
  }
}

/** RMSNorm's fused input VJP (see {@link rmsNormGradImpl}): `[dx, r]`. */
export const RmsNormGrad: HostKernel<'RmsNormGrad'> = ({ dy, x, weight }, { eps }, [ox, or]) => {
  const dx = alloc(ox) as Float64Array;
  const r = alloc(or) as Float64Array;
  const d = x.shape[x.shape.length - 1];
  if (d > 0) rmsNormGradImpl(dy.data, x.data, weight.data, eps, d, dx, r);
  else r.fill(1 / Math.sqrt(eps));
  return [dx, r];
};
