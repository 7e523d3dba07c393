/** Selection with broadcasting. */
import { elementwise } from './common.js';
import type { GpuKernel } from './types.js';

/** y = cond != 0 ? a : b. */
export const Where: GpuKernel<'Where'> = (ctx, { cond, a, b }, _attrs, [out]) => [
  elementwise(ctx, 'Where', [{ t: cond, name: 'c' }, { t: a, name: 'a' }, { t: b, name: 'b' }], out, 'select(b, a, c != 0.0)'),
];
