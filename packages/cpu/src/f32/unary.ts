/**
 * f32 elementwise unary ops: the reference's scalar functions ({@link UNARY_F32}, float64), each result
 * stored to a `Float32Array`; monomorphic loops for the ops the transformer uses most.
 */
import type { UnaryOp } from '@crossedit/core';
import { UNARY_F32 } from '../kernels/Unary.js';

/** `o[i] = op(x[i])` on f32 data. */
export function unaryF32(op: UnaryOp, x: Float32Array, o: Float32Array): void {
  const n = o.length;
  switch (op) {
    case 'silu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) o[i] = v * (1 / (1 + Math.exp(-v)));
        else {
          const e = Math.exp(v);
          o[i] = v * (e / (1 + e));
        }
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) o[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          o[i] = e / (1 + e);
        }
      }
      return;
    case 'exp':
      for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]);
      return;
    case 'neg':
      for (let i = 0; i < n; i++) o[i] = -x[i];
      return;
    case 'square':
      for (let i = 0; i < n; i++) o[i] = x[i] * x[i];
      return;
    default: {
      const f = UNARY_F32[op];
      for (let i = 0; i < n; i++) o[i] = f(x[i]);
    }
  }
}
