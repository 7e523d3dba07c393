import { sizeOf } from '../shape.js';
import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** A new shape of the same size (no `-1`; ops resolve it first). */
export const ReshapeSpec: KernelSpec<'Reshape'> = {
  name: 'Reshape',
  infer({ x }, { shape }) {
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== sizeOf(x.shape)) {
      fail('Reshape', `cannot reshape to [${shape.join(',')}]`, x);
    }
    return [{ shape: [...shape], dtype: x.dtype }];
  },
};
