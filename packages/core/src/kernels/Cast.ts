import type { KernelSpec } from './spec.js';

/** Dtype conversion: `f32 ↔ i32` (truncation toward zero), `f32 → f16` (round to nearest even, ±Infinity past ±65504), `f16 → f32` (exact). */
export const CastSpec: KernelSpec<'Cast'> = {
  name: 'Cast',
  infer({ x }, { dtype }) {
    return [{ shape: x.shape, dtype }];
  },
};
