import { where } from '../ops/elementwise.js';
import { unbroadcast, type GradRule } from './rule.js';

export const WhereGrad: GradRule<'Where'> = {
  vjp(dy, { cond, a, b }) {
    return {
      cond: null,
      a: a.dtype === 'f32' ? unbroadcast(where(cond, dy, 0), a.shape) : null,
      b: b.dtype === 'f32' ? unbroadcast(where(cond, 0, dy), b.shape) : null,
    };
  },
};
