import type { KernelSpec } from './spec.js';
import { expectDType } from './spec.js';

/** Elementwise unary: same shape; f32 only except `neg`, `abs`, `square`, `sign` which also accept i32. */
export const UnarySpec: KernelSpec<'Unary'> = {
  name: 'Unary',
  infer({ x }, { op }) {
    if (!['neg', 'abs', 'square', 'sign'].includes(op)) expectDType(`Unary(${op})`, 'x', x, 'f32');
    return [{ shape: x.shape, dtype: x.dtype }];
  },
};
