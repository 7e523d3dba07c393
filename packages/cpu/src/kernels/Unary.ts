import type { UnaryOp } from '@crossedit/core';
import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** A numerically stable logistic function: never computes `exp` of a large positive number. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * The scalar function of each unary op on `f32` values (computed in float64):
 * `neg` -x · `exp` · `log` · `sqrt` · `rsqrt` 1/sqrt(x) · `silu` x·sigmoid(x) · `relu` (x < 0 ? 0 : x, so NaN
 * stays NaN) · `sigmoid` (stable form) · `tanh` · `abs` · `square` x·x · `recip` 1/x ·
 * `sign` (-1, 0 or 1; NaN stays NaN) · `step` (x > 0 ? 1 : 0; NaN gives 0).
 */
export const UNARY_F32: { readonly [U in UnaryOp]: (x: number) => number } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  silu: (x) => x * sigmoidScalar(x),
  relu: (x) => (x < 0 ? 0 : x),
  sigmoid: sigmoidScalar,
  tanh: Math.tanh,
  abs: Math.abs,
  square: (x) => x * x,
  recip: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  step: (x) => (x > 0 ? 1 : 0),
};

/** The `i32` forms of the unary ops the spec allows on integers; results wrap to 32 bits like WGSL. */
export const UNARY_I32: Partial<{ readonly [U in UnaryOp]: (x: number) => number }> = {
  neg: (x) => -x | 0,
  abs: (x) => Math.abs(x) | 0,
  square: (x) => Math.imul(x, x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
};

/** Monomorphic float64 loops for the hottest ops; the rest go through {@link UNARY_F32}. */
function unaryF64(op: UnaryOp, x: Float64Array, o: Float64Array): void {
  const n = o.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) o[i] = -x[i];
      return;
    case 'exp':
      for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]);
      return;
    case 'square':
      for (let i = 0; i < n; i++) o[i] = x[i] * x[i];
      return;
    case 'silu':
      for (let i = 0; i < n; i++) o[i] = x[i] * sigmoidScalar(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) o[i] = x[i] < 0 ? 0 : x[i];
      return;
    default: {
      const f = UNARY_F32[op];
      for (let i = 0; i < n; i++) o[i] = f(x[i]);
    }
  }
}

/** Applies a unary op elementwise: `out` is a Float64Array for `f32` data, an Int32Array for `i32`. */
export function unaryImpl(op: UnaryOp, x: Float64Array | Int32Array, out: Float64Array | Int32Array): void {
  if (out instanceof Float64Array) {
    unaryF64(op, x as Float64Array, out);
    return;
  }
  const f = UNARY_I32[op];
  if (!f) throw new TypeError(`Unary(${op}): not defined for i32`);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
}

/** Elementwise unary function; see {@link UNARY_F32} for each op's exact definition. */
export const Unary: HostKernel<'Unary'> = ({ x }, { op }, [o]) => {
  const out = alloc(o);
  unaryImpl(op, x.data, out);
  return [out];
};
