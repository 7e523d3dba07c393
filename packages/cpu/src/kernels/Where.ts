import { alloc, broadcastIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** `cond != 0 ? a : b`, broadcasting all three (a NaN condition counts as true, since NaN != 0). */
export const Where: HostKernel<'Where'> = ({ cond, a, b }, _attrs, [o]) => {
  const out = alloc(o);
  const ic = broadcastIndex(cond.shape, o.shape);
  const ia = broadcastIndex(a.shape, o.shape);
  const ib = broadcastIndex(b.shape, o.shape);
  const c = cond.data;
  const ad = a.data;
  const bd = b.data;
  for (let i = 0; i < out.length; i++) {
    out[i] = c[ic ? ic[i] : i] !== 0 ? ad[ia ? ia[i] : i] : bd[ib ? ib[i] : i];
  }
  return [out];
};
