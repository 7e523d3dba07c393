import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** A box of x: `begin[i] + size[i] <= x.shape[i]`. */
export const SliceSpec: KernelSpec<'Slice'> = {
  name: 'Slice',
  infer({ x }, { begin, size }) {
    const r = x.shape.length;
    if (begin.length !== r || size.length !== r) fail('Slice', `begin and size need ${r} entries`, x);
    for (let i = 0; i < r; i++) {
      if (!(begin[i] >= 0 && size[i] >= 0 && begin[i] + size[i] <= x.shape[i])) {
        fail('Slice', `axis ${i}: [${begin[i]}, ${begin[i] + size[i]}) is outside [0, ${x.shape[i]})`, x);
      }
    }
    return [{ shape: [...size], dtype: x.dtype }];
  },
};
