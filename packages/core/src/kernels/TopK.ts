import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Top-k along the last axis: values (f32) and indices (i32), both `[..., k]`. */
export const TopKSpec: KernelSpec<'TopK'> = {
  name: 'TopK',
  infer({ x }, { k }) {
    expectDType('TopK', 'x', x, 'f32');
    const n = x.shape[x.shape.length - 1];
    if (x.shape.length === 0 || !Number.isInteger(k) || k < 0 || k > n) fail('TopK', `k=${k} must be in [0, ${n}]`, x);
    const shape = [...x.shape.slice(0, -1), k];
    return [
      { shape, dtype: 'f32' },
      { shape, dtype: 'i32' },
    ];
  },
};
