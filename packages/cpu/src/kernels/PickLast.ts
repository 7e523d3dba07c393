import { alloc, checkIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * `y[i] = x[i, idx[i]]` along the last axis (`x: [..., n]`, `idx: [...]` i32). An index outside `[0, n)`
 * throws a RangeError.
 */
export const PickLast: HostKernel<'PickLast'> = ({ x, idx }, _attrs, [o]) => {
  const n = x.shape[x.shape.length - 1];
  const out = alloc(o);
  const xd = x.data;
  const id = idx.data;
  for (let i = 0; i < out.length; i++) {
    checkIndex('PickLast', 'idx', id[i], i, n);
    out[i] = xd[i * n + id[i]];
  }
  return [out];
};
