import { reducedShape } from './Reduce.js';
import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** Argmax/argmin over one axis, i32. The axis must be non-empty. */
export const ArgReduceSpec: KernelSpec<'ArgReduce'> = {
  name: 'ArgReduce',
  infer({ x }, { op, axis, keepDims }) {
    const shape = reducedShape(x, axis, keepDims, op);
    const ax = axis < 0 ? axis + x.shape.length : axis;
    if (x.shape[ax] === 0) fail(op, `axis ${axis} is empty`, x);
    return [{ shape, dtype: 'i32' }];
  },
};
