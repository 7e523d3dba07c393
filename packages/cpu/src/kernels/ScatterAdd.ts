import { checkIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * The adjoint of Gather: a zero `[numRows, D]` table with each row of `updates: [...ids, D]` added at
 * its id, in index order (float64). An id outside `[0, numRows)` throws a RangeError.
 */
export const ScatterAdd: HostKernel<'ScatterAdd'> = ({ updates, ids }, { numRows }) => {
  const D = updates.shape[updates.shape.length - 1];
  const out = new Float64Array(numRows * D);
  const u = updates.data;
  const idd = ids.data;
  for (let n = 0; n < idd.length; n++) {
    const id = idd[n];
    checkIndex('ScatterAdd', 'ids', id, n, numRows);
    const ob = id * D;
    const ub = n * D;
    for (let d = 0; d < D; d++) out[ob + d] += u[ub + d];
  }
  return [out];
};
