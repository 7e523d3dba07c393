import type { KernelSpec } from './spec.js';

/** Dtype conversion. */
export const CastSpec: KernelSpec<'Cast'> = {
  name: 'Cast',
  infer({ x }, { dtype }) {
    return [{ shape: x.shape, dtype }];
  },
};
