import { normAxis } from '@crossedit/core';
import { alloc, splitAxis } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** Concatenation along one axis: each input's slab is copied at its offset along that axis. */
export const Concat: HostKernel<'Concat'> = ({ xs }, { axis }, [o]) => {
  const out = alloc(o);
  const ax = normAxis(axis, o.shape.length, 'Concat');
  const [outer, total, inner] = splitAxis(o.shape, ax);
  const rowOut = total * inner;
  let at = 0;
  for (const x of xs) {
    const chunk = x.shape[ax] * inner;
    const src = x.data;
    for (let q = 0; q < outer; q++) {
      if (src instanceof Float64Array) (out as Float64Array).set(src.subarray(q * chunk, (q + 1) * chunk), q * rowOut + at);
      else (out as Int32Array).set(src.subarray(q * chunk, (q + 1) * chunk), q * rowOut + at);
    }
    at += chunk;
  }
  return [out];
};
