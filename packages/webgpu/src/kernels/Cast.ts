/**
 * f32 ↔ i32 conversion (f32 → i32 truncates toward zero, saturating out of range) and f32 ↔ f16
 * (f32 → f16 rounds to nearest even; `f16` needs `shader-f16`).
 */
import { stridesOf } from '@crossedit/core';
import { stridedCopy } from './common.js';
import type { GpuKernel } from './types.js';

/** y = dtype(x). */
export const Cast: GpuKernel<'Cast'> = (ctx, { x }, { dtype }, [out]) => {
  const convert = dtype === x.dtype ? 'v' : `${dtype}(v)`;
  return [stridedCopy(ctx, `Cast(${x.dtype}->${dtype})`, x, out, stridesOf(x.shape), 0, convert)];
};
