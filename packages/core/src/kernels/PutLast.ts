import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Zeros of `[...values, depth]` with `values[i]` at `[i, idx[i]]`. */
export const PutLastSpec: KernelSpec<'PutLast'> = {
  name: 'PutLast',
  infer({ values, idx }, { depth }) {
    expectDType('PutLast', 'values', values, 'f32');
    expectDType('PutLast', 'idx', idx, 'i32');
    if (idx.shape.length !== values.shape.length || idx.shape.some((d, i) => d !== values.shape[i])) {
      fail('PutLast', 'idx and values must have one shape', values, idx);
    }
    if (!Number.isInteger(depth) || depth < 0) fail('PutLast', `depth must be a non-negative integer, got ${depth}`);
    return [{ shape: [...values.shape, depth], dtype: 'f32' }];
  },
};
