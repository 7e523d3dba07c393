/** A box of x as a strided copy. */
import { stridesOf } from '@crossedit/core';
import { stridedCopy } from './common.js';
import type { GpuKernel } from './types.js';

/** y = x[begin : begin + size]. */
export const Slice: GpuKernel<'Slice'> = (ctx, { x }, { begin }, [out]) => {
  const s = stridesOf(x.shape);
  const base = begin.reduce((acc, b, j) => acc + b * s[j], 0);
  return [stridedCopy(ctx, 'Slice', x, out, s, base)];
};
