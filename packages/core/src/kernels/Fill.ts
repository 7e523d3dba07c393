import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** A constant tensor. */
export const FillSpec: KernelSpec<'Fill'> = {
  name: 'Fill',
  infer(_inputs, { shape, dtype, value }) {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail('Fill', `bad shape [${shape.join(',')}]`);
    if (dtype === 'f16') fail('Fill', 'f16 is a storage dtype of weights; fill f32 and cast');
    if (dtype === 'i32' && !Number.isInteger(value)) fail('Fill', `i32 fill value must be an integer, got ${value}`);
    return [{ shape: [...shape], dtype }];
  },
};
