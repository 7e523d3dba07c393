/** Axis permutation as a strided copy. */
import { stridesOf } from '@crossedit/core';
import { stridedCopy } from './common.js';
import type { GpuKernel } from './types.js';

/** y[c] = x[c permuted back]: output axis j walks input axis perm[j]. */
export const Transpose: GpuKernel<'Transpose'> = (ctx, { x }, { perm }, [out]) => {
  const s = stridesOf(x.shape);
  return [stridedCopy(ctx, 'Transpose', x, out, perm.map((p) => s[p]), 0)];
};
