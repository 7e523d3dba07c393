import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** `y[i] = x[i, idx[i]]` along the last axis. */
export const PickLastSpec: KernelSpec<'PickLast'> = {
  name: 'PickLast',
  infer({ x, idx }) {
    expectDType('PickLast', 'idx', idx, 'i32');
    const lead = x.shape.slice(0, -1);
    if (x.shape.length < 1 || idx.shape.length !== lead.length || idx.shape.some((d, i) => d !== lead[i])) {
      fail('PickLast', 'idx must have the shape of x without its last axis', x, idx);
    }
    return [{ shape: lead, dtype: x.dtype }];
  },
};
