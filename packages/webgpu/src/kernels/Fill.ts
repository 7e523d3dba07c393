/** A constant tensor. */
import { sizeOf } from '@crossedit/core';
import { fillStorage } from './common.js';
import type { GpuKernel } from './types.js';

/** y = value everywhere (bit-exact, so ±inf and NaN fill too). */
export const Fill: GpuKernel<'Fill'> = (ctx, _inputs, { value, dtype }, [out]) => {
  const y = ctx.alloc(out);
  fillStorage(ctx, y, sizeOf(out.shape), value, dtype);
  return [y];
};
