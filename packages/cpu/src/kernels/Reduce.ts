import { normAxis } from '@crossedit/core';
import { alloc, splitAxis } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** `i32` identity of max (INT32_MIN) and min (INT32_MAX): an i32 cannot hold ±Infinity. */
const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/**
 * Sum, max or min over one axis (float64 accumulation, in index order). Over an empty axis: sum 0,
 * max -Infinity, min +Infinity (for `i32`: 0, INT32_MIN, INT32_MAX). `max`/`min` propagate NaN. An `i32`
 * sum wraps to 32 bits. `keepDims` only changes the output shape, never the data layout.
 */
export const Reduce: HostKernel<'Reduce'> = ({ x }, { op, axis }, [o]) => {
  const ax = normAxis(axis, x.shape.length, `Reduce(${op})`);
  const [outer, n, inner] = splitAxis(x.shape, ax);
  const out = alloc(o);
  const isInt = out instanceof Int32Array;
  const xd = x.data;
  if (op === 'sum') {
    // out is zero-filled; loop o-k-i keeps both reads and writes contiguous
    for (let a = 0; a < outer; a++) {
      const ob = a * inner;
      for (let k = 0; k < n; k++) {
        const xb = (a * n + k) * inner;
        if (isInt) for (let i = 0; i < inner; i++) out[ob + i] = (out[ob + i] + xd[xb + i]) | 0;
        else for (let i = 0; i < inner; i++) out[ob + i] += xd[xb + i];
      }
    }
    return [out];
  }
  const isMax = op === 'max';
  out.fill(isMax ? (isInt ? I32_MIN : -Infinity) : isInt ? I32_MAX : Infinity);
  const pick = isMax ? Math.max : Math.min;
  for (let a = 0; a < outer; a++) {
    const ob = a * inner;
    for (let k = 0; k < n; k++) {
      const xb = (a * n + k) * inner;
      for (let i = 0; i < inner; i++) out[ob + i] = pick(out[ob + i], xd[xb + i]);
    }
  }
  return [out];
};
