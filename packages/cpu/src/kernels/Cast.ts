import { roundToF16 } from '@crossedit/core';
import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** Converts one number to i32: truncation toward zero, saturating at the i32 range; NaN gives 0. */
export function toI32(v: number): number {
  if (v !== v) return 0;
  if (v >= 2147483647) return 2147483647;
  if (v <= -2147483648) return -2147483648;
  return Math.trunc(v);
}

/**
 * Dtype conversion. `f32 → i32` truncates toward zero (2.7 → 2, -2.7 → -2), saturates outside the i32
 * range and maps NaN to 0; `i32 → f32` and `f16 → f32` are exact; `→ f16` rounds to the nearest
 * half-precision value (held widened, like every CPU `f16` tensor). Same-dtype casts copy.
 */
export const Cast: HostKernel<'Cast'> = ({ x }, { dtype }, [o]) => {
  const out = alloc(o);
  const xd = x.data;
  if (dtype === 'i32' && x.dtype !== 'i32') for (let i = 0; i < out.length; i++) out[i] = toI32(xd[i]);
  else if (dtype === 'f16' && x.dtype !== 'f16') for (let i = 0; i < out.length; i++) out[i] = roundToF16(xd[i]);
  else for (let i = 0; i < out.length; i++) out[i] = xd[i];
  return [out];
};
