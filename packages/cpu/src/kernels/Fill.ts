import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** A tensor of one value (`f32` values are stored in float64, unrounded). */
export const Fill: HostKernel<'Fill'> = (_inputs, { value }, [o]) => {
  const out = alloc(o);
  out.fill(value);
  return [out];
};
