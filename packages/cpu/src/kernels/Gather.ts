import { alloc, checkIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * Rows of `table: [V, D]` at i32 `ids` (any shape) → `[...ids, D]`. An id outside `[0, V)` throws a
 * RangeError naming the id and V (the WebGPU backend reads zeros instead).
 */
export const Gather: HostKernel<'Gather'> = ({ table, ids }, _attrs, [o]) => {
  const [V, D] = table.shape;
  const out = alloc(o);
  const t = table.data;
  const idd = ids.data;
  for (let n = 0; n < idd.length; n++) {
    const id = idd[n];
    checkIndex('Gather', 'ids', id, n, V);
    if (out instanceof Float64Array) out.set((t as Float64Array).subarray(id * D, id * D + D), n * D);
    else out.set((t as Int32Array).subarray(id * D, id * D + D), n * D);
  }
  return [out];
};
