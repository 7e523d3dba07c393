import { checkIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * The adjoint of PickLast: zeros of `[...values, depth]` with `values[i]` at `[i, idx[i]]`. An index
 * outside `[0, depth)` throws a RangeError.
 */
export const PutLast: HostKernel<'PutLast'> = ({ values, idx }, { depth }) => {
  const v = values.data;
  const id = idx.data;
  const out = new Float64Array(v.length * depth);
  for (let i = 0; i < v.length; i++) {
    checkIndex('PutLast', 'idx', id[i], i, depth);
    out[i * depth + id[i]] = v[i];
  }
  return [out];
};
