/** f32 ↔ i32 conversion (f32 → i32 truncates toward zero, saturating out of range). */
import { stridesOf } from '@crossedit/core';
import { stridedCopy } from './common.js';
import type { GpuKernel } from './types.js';

/** y = dtype(x). */
export const Cast: GpuKernel<'Cast'> = (ctx, { x }, { dtype }, [out]) => {
  const convert = dtype === x.dtype ? 'v' : dtype === 'i32' ? 'i32(v)' : 'f32(v)';
  return [stridedCopy(ctx, `Cast(${x.dtype}->${dtype})`, x, out, stridesOf(x.shape), 0, convert)];
};
