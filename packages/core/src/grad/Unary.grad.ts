import type { UnaryOp } from '../kernels/defs.js';
import { add, div, mul, neg, sigmoid, sign, step, sub } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import type { GradRule } from './rule.js';

type UnaryVjp = ((dy: Tensor, x: Tensor, y: Tensor) => Tensor) | null;

/** One rule per unary op; the mapped type makes a missing op a compile error. `null`: no gradient. */
const UNARY_VJPS: { [U in UnaryOp]: UnaryVjp } = {
  neg: (dy) => neg(dy),
  exp: (dy, _x, y) => mul(dy, y),
  log: (dy, x) => div(dy, x),
  sqrt: (dy, _x, y) => div(mul(dy, 0.5), y),
  rsqrt: (dy, x, y) => mul(mul(dy, y), div(-0.5, x)),
  silu: (dy, x) => {
    const s = sigmoid(x);
    return mul(dy, mul(s, add(1, mul(x, sub(1, s)))));
  },
  relu: (dy, x) => mul(dy, step(x)),
  sigmoid: (dy, _x, y) => mul(dy, mul(y, sub(1, y))),
  tanh: (dy, _x, y) => mul(dy, sub(1, mul(y, y))),
  abs: (dy, x) => mul(dy, sign(x)),
  square: (dy, x) => mul(dy, mul(x, 2)),
  recip: (dy, _x, y) => neg(mul(dy, mul(y, y))),
  sign: null,
  step: null,
};

export const UnaryGrad: GradRule<'Unary'> = {
  vjp(dy, { x }, [y], { op }) {
    const f = UNARY_VJPS[op];
    return { x: f && x.dtype === 'f32' ? f(dy, x, y) : null };
  },
};
