import { alloc } from '../storage.js';
import { copyBox } from './copyBox.js';
import type { HostKernel } from './kernel.js';

/** The box `[begin, begin + size)` of x (bounds are checked by the core spec). */
export const Slice: HostKernel<'Slice'> = ({ x }, { begin, size }, [o]) => {
  const out = alloc(o);
  copyBox(x.data, x.shape, begin, out, o.shape, size.map(() => 0), size);
  return [out];
};
