import { alloc } from '../storage.js';
import { copyBox } from './copyBox.js';
import type { HostKernel } from './kernel.js';

/** Zero padding: `before[i]` zeros before and `after[i]` zeros after each axis. */
export const Pad: HostKernel<'Pad'> = ({ x }, { before }, [o]) => {
  const out = alloc(o);
  copyBox(x.data, x.shape, x.shape.map(() => 0), out, o.shape, before, x.shape);
  return [out];
};
