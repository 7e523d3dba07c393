/** Reshape as a copy (the engine aliases reshapes and never calls this; kept for completeness). */
import { stridesOf } from '@crossedit/core';
import { stridedCopy } from './common.js';
import type { GpuKernel } from './types.js';

/** y = x with a new shape (same row-major data). */
export const Reshape: GpuKernel<'Reshape'> = (ctx, { x }, _attrs, [out]) => [
  stridedCopy(ctx, 'Reshape', { ...x, shape: out.shape }, out, stridesOf(out.shape), 0),
];
