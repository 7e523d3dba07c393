import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** Axis permutation: `y.shape[i] = x.shape[perm[i]]`. */
export const TransposeSpec: KernelSpec<'Transpose'> = {
  name: 'Transpose',
  infer({ x }, { perm }) {
    const r = x.shape.length;
    const seen = new Set(perm);
    if (perm.length !== r || seen.size !== r || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= r)) {
      fail('Transpose', `perm [${perm.join(',')}] is not a permutation of ${r} axes`, x);
    }
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
};
