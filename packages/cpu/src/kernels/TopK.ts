import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * The `k` largest entries of each row of length `n` of `x`, descending; equal values are ordered by
 * lower index first. Writes values into `vals` and indices into `idx` (`[rows, k]`). Small `k` uses an
 * insertion buffer (O(n k) worst case), large `k` a full sort. NaN inputs give unspecified results.
 */
export function topkImpl(x: ArrayLike<number>, n: number, k: number, vals: Float64Array, idx: Int32Array): void {
  const rows = k === 0 ? 0 : vals.length / k;
  const order = k > 32 ? new Int32Array(n) : null;
  for (let r = 0; r < rows; r++) {
    const b = r * n;
    const ob = r * k;
    if (order) {
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort((i, j) => x[b + j] - x[b + i] || i - j);
      for (let q = 0; q < k; q++) {
        idx[ob + q] = order[q];
        vals[ob + q] = x[b + order[q]];
      }
      continue;
    }
    // insertion into a descending buffer; scanning in index order and inserting after equal values
    // keeps lower indices first among ties
    let len = 0;
    for (let i = 0; i < n; i++) {
      const v = x[b + i];
      if (len === k && !(v > vals[ob + k - 1])) continue;
      let p = len === k ? k - 1 : len;
      while (p > 0 && v > vals[ob + p - 1]) {
        vals[ob + p] = vals[ob + p - 1];
        idx[ob + p] = idx[ob + p - 1];
        p--;
      }
      vals[ob + p] = v;
      idx[ob + p] = i;
      if (len < k) len++;
    }
  }
}

/** Top-k along the last axis: values (f32) and i32 indices (see {@link topkImpl}). */
export const TopK: HostKernel<'TopK'> = ({ x }, { k }, [ov, oi]) => {
  const vals = alloc(ov) as Float64Array;
  const idx = alloc(oi) as Int32Array;
  topkImpl(x.data, x.shape[x.shape.length - 1], k, vals, idx);
  return [vals, idx];
};
