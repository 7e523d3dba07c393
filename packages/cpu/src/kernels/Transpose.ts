import { stridesOf } from '@crossedit/core';
import { allocLike } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** Axis permutation: `y.shape[i] = x.shape[perm[i]]`, written in output order with an odometer over x (output array of the input's kind). */
export const Transpose: HostKernel<'Transpose'> = ({ x }, { perm }, [o]) => {
  const out = allocLike(o, x.data);
  const n = out.length;
  const r = perm.length;
  if (n === 0) return [out];
  if (r === 0) {
    out[0] = x.data[0];
    return [out];
  }
  const xs = stridesOf(x.shape);
  const ps = perm.map((p) => xs[p]);
  const shape = o.shape;
  const last = shape[r - 1];
  const sLast = ps[r - 1];
  const counter = new Array<number>(r).fill(0);
  const xd = x.data;
  let base = 0;
  for (let i = 0; i < n; i += last) {
    for (let j = 0; j < last; j++) out[i + j] = xd[base + j * sLast];
    for (let a = r - 2; a >= 0; a--) {
      counter[a]++;
      base += ps[a];
      if (counter[a] < shape[a]) break;
      base -= ps[a] * counter[a];
      counter[a] = 0;
    }
  }
  return [out];
};
