import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Rotary embedding on `[B, S, H, Dh]` with i32 positions `[B, S]`; Dh even. */
export const RopeSpec: KernelSpec<'Rope'> = {
  name: 'Rope',
  infer({ x, positions }, { base }) {
    expectDType('Rope', 'x', x, 'f32');
    expectDType('Rope', 'positions', positions, 'i32');
    const [b, s, , dh] = x.shape;
    if (x.shape.length !== 4 || dh % 2 !== 0) fail('Rope', 'x must be [B, S, H, Dh] with even Dh', x);
    if (positions.shape.length !== 2 || positions.shape[0] !== b || positions.shape[1] !== s) {
      fail('Rope', `positions must be [${b}, ${s}]`, x, positions);
    }
    if (!(base > 0)) fail('Rope', `base must be > 0, got ${base}`);
    return [{ shape: x.shape, dtype: 'f32' }];
  },
};
