import { broadcastShapes } from '../shape.js';
import { COMPARISONS } from './defs.js';
import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** Elementwise binary with numpy broadcasting; comparisons yield f32 0/1. */
export const BinarySpec: KernelSpec<'Binary'> = {
  name: 'Binary',
  infer({ a, b }, { op }) {
    const k = `Binary(${op})`;
    if (a.dtype !== b.dtype) fail(k, `dtypes differ: ${a.dtype} vs ${b.dtype}`, a, b);
    if ((op === 'pow' || op === 'div') && a.dtype !== 'f32') fail(k, 'needs f32 inputs', a, b);
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) fail(k, 'shapes do not broadcast', a, b);
    return [{ shape, dtype: COMPARISONS.has(op) ? 'f32' : a.dtype }];
  },
};
