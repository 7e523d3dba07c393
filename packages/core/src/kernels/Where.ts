import { broadcastShapes } from '../shape.js';
import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Select with broadcasting over cond, a and b. */
export const WhereSpec: KernelSpec<'Where'> = {
  name: 'Where',
  infer({ cond, a, b }) {
    expectDType('Where', 'cond', cond, 'f32');
    if (a.dtype !== b.dtype) fail('Where', `dtypes of a and b differ: ${a.dtype} vs ${b.dtype}`, cond, a, b);
    const ab = broadcastShapes(a.shape, b.shape);
    const shape = ab && broadcastShapes(cond.shape, ab);
    if (!shape) fail('Where', 'shapes do not broadcast', cond, a, b);
    return [{ shape, dtype: a.dtype }];
  },
};
