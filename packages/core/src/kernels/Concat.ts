import { normAxis } from '../shape.js';
import type { KernelSpec } from './spec.js';
import { fail } from './spec.js';

/** Concatenation along one axis; all other extents and the dtype must agree. */
export const ConcatSpec: KernelSpec<'Concat'> = {
  name: 'Concat',
  infer({ xs }, { axis }) {
    if (xs.length === 0) fail('Concat', 'needs at least one input');
    const r = xs[0].shape.length;
    const ax = normAxis(axis, r, 'Concat');
    let total = 0;
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype || x.shape.length !== r || x.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
        fail('Concat', `inputs disagree outside axis ${axis}`, ...xs);
      }
      total += x.shape[ax];
    }
    return [{ shape: xs[0].shape.map((d, i) => (i === ax ? total : d)), dtype: xs[0].dtype }];
  },
};
