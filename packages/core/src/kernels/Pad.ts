import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** Zero padding on every axis. */
export const PadSpec: KernelSpec<'Pad'> = {
  name: 'Pad',
  infer({ x }, { before, after }) {
    const r = x.shape.length;
    if (before.length !== r || after.length !== r) fail('Pad', `before and after need ${r} entries`, x);
    if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) fail('Pad', 'paddings must be non-negative integers', x);
    return [{ shape: x.shape.map((d, i) => d + before[i] + after[i]), dtype: x.dtype }];
  },
};
