import type { Shape } from '@crossedit/core';
import { sizeOf, stridesOf } from '@crossedit/core';
import type { CpuArray } from '../storage.js';

/**
 * Copies the box of extents `box` from `src` (shape `srcShape`, starting at `srcBegin`) into `dst` (shape
 * `dstShape`, starting at `dstBegin`). Rows along the last axis are copied with `set`. Shared by Slice
 * and Pad.
 */
export function copyBox(
  src: CpuArray,
  srcShape: Shape,
  srcBegin: readonly number[],
  dst: CpuArray,
  dstShape: Shape,
  dstBegin: readonly number[],
  box: Shape,
): void {
  const r = box.length;
  if (sizeOf(box) === 0) return;
  if (r === 0) {
    dst[0] = src[0];
    return;
  }
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  let sb = 0;
  let db = 0;
  for (let i = 0; i < r; i++) {
    sb += srcBegin[i] * ss[i];
    db += dstBegin[i] * ds[i];
  }
  const row = box[r - 1];
  const rows = sizeOf(box) / row;
  const counter = new Array<number>(r).fill(0);
  for (let q = 0; q < rows; q++) {
    if (src instanceof Float64Array) (dst as Float64Array).set(src.subarray(sb, sb + row), db);
    else (dst as Int32Array).set(src.subarray(sb, sb + row), db);
    for (let a = r - 2; a >= 0; a--) {
      counter[a]++;
      sb += ss[a];
      db += ds[a];
      if (counter[a] < box[a]) break;
      sb -= ss[a] * counter[a];
      db -= ds[a] * counter[a];
      counter[a] = 0;
    }
  }
}
