import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/**
 * Row gather from a 2-D table by i32 ids. Ids out of range are a run-time error on the CPU and read 0 on
 * the GPU. An `f16` table (stored embedding) gives `f32` rows: activations stay f32.
 */
export const GatherSpec: KernelSpec<'Gather'> = {
  name: 'Gather',
  infer({ table, ids }) {
    expectDType('Gather', 'ids', ids, 'i32');
    if (table.shape.length !== 2) fail('Gather', 'table must be [V, D]', table, ids);
    return [{ shape: [...ids.shape, table.shape[1]], dtype: table.dtype === 'f16' ? 'f32' : table.dtype }];
  },
};
