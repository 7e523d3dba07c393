import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** RMSNorm of each row of length `d`: `y = x * (1 / sqrt(mean(x^2) + eps)) * w`, in float64. */
export function rmsNormImpl(x: ArrayLike<number>, w: ArrayLike<number>, eps: number, out: Float64Array, d: number): void {
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
