import { normAxis } from '@crossedit/core';
import { splitAxis } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * Index (i32) of the max or min along one non-empty axis. Ties give the first (lowest) index: the scan
 * starts at index 0 and only a strictly greater (argmax) or strictly smaller (argmin) value replaces the
 * best. NaN is not special-cased (a NaN never replaces the best, so results with NaN inputs are
 * unspecified across backends).
 */
export const ArgReduce: HostKernel<'ArgReduce'> = ({ x }, { op, axis }) => {
  const ax = normAxis(axis, x.shape.length, op);
  const [outer, n, inner] = splitAxis(x.shape, ax);
  const out = new Int32Array(outer * inner);
  const xd = x.data;
  const best = new Float64Array(inner);
  const sgn = op === 'argmax' ? 1 : -1;
  for (let a = 0; a < outer; a++) {
    const base = a * n * inner;
    for (let i = 0; i < inner; i++) best[i] = sgn * xd[base + i];
    const ob = a * inner;
    for (let k = 1; k < n; k++) {
      const xb = base + k * inner;
      for (let i = 0; i < inner; i++) {
        const v = sgn * xd[xb + i];
        if (v > best[i]) {
          best[i] = v;
          out[ob + i] = k;
        }
      }
    }
  }
  return [out];
};
