import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Adds rows of `updates: [...ids, D]` into a zero `[numRows, D]` table at `ids`. */
export const ScatterAddSpec: KernelSpec<'ScatterAdd'> = {
  name: 'ScatterAdd',
  infer({ updates, ids }, { numRows }) {
    expectDType('ScatterAdd', 'updates', updates, 'f32');
    expectDType('ScatterAdd', 'ids', ids, 'i32');
    const r = ids.shape.length;
    if (updates.shape.length !== r + 1 || ids.shape.some((d, i) => d !== updates.shape[i])) {
      fail('ScatterAdd', 'updates must be [...ids.shape, D]', updates, ids);
    }
    if (!Number.isInteger(numRows) || numRows < 0) fail('ScatterAdd', `numRows must be a non-negative integer, got ${numRows}`);
    return [{ shape: [numRows, updates.shape[r]], dtype: 'f32' }];
  },
};
