/** Elementwise arithmetic, unary functions, comparisons and selection. */
import type { BinaryOp, UnaryOp } from '../kernels/defs.js';
import { runKernel } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { fill } from './creation.js';

/** A tensor or a number (a number becomes a scalar on the other operand's backend, same dtype). */
export type TensorLike = Tensor | number;

function asTensor(x: TensorLike, like: Tensor): Tensor {
  return typeof x === 'number' ? fill([], x, { backend: like.backend, dtype: like.dtype }) : x;
}

/** Applies a unary kernel op. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  return runKernel('Unary', { x }, { op })[0];
}

/** Applies a binary kernel op with broadcasting. One side may be a number. */
export function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new TypeError(`${op}: at least one operand must be a tensor`);
  const ta = typeof a === 'number' ? asTensor(a, b as Tensor) : a;
  const tb = asTensor(b, ta);
  return runKernel('Binary', { a: ta, b: tb }, { op })[0];
}

/** a + b */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a * b */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** a / b */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** elementwise max(a, b) */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('max', a, b);
/** elementwise min(a, b) */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('min', a, b);
/** a ** b */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** 1 where a == b, else 0 */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
/** 1 where a != b, else 0 */
export const notEqual = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
/** 1 where a < b */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
/** 1 where a <= b */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);
/** 1 where a > b */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
/** 1 where a >= b */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** e^x */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** natural log */
export const log = (x: Tensor): Tensor => unary('log', x);
/** square root */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1/sqrt(x) */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** x * sigmoid(x) */
export const silu = (x: Tensor): Tensor => unary('silu', x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** 1/(1+e^-x) */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** tanh */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** |x| */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** x^2 */
export const square = (x: Tensor): Tensor => unary('square', x);
/** 1/x */
export const reciprocal = (x: Tensor): Tensor => unary('recip', x);
/** sign(x) in {-1, 0, 1} */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** 1 where x > 0, else 0 */
export const step = (x: Tensor): Tensor => unary('step', x);

/** `cond != 0 ? a : b`, broadcasting all three. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? cond : b) : a;
  return runKernel('Where', { cond, a: asTensor(a, like), b: asTensor(b, like) }, {})[0];
}

/** Elementwise clamp to `[lo, hi]` (tensors or numbers, broadcasting). */
export function clamp(x: Tensor, lo: TensorLike, hi: TensorLike): Tensor {
  return minimum(maximum(x, lo), hi);
}
