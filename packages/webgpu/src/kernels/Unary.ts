/** Unary elementwise functions. */
import type { UnaryOp } from '@crossedit/core';
import { elementwise } from './common.js';
import type { GpuKernel } from './types.js';

const F32: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  rsqrt: '1.0 / sqrt(x)',
  // x * sigmoid(x) written so that neither branch overflows
  silu: 'select(x * exp(x) / (1.0 + exp(x)), x / (1.0 + exp(-x)), x >= 0.0)',
  relu: 'select(0.0, x, x > 0.0)',
  sigmoid: 'select(exp(x) / (1.0 + exp(x)), 1.0 / (1.0 + exp(-x)), x >= 0.0)',
  // tanh from exp(-2|x|): no inf/inf for large |x| (some WGSL tanh implementations return NaN there)
  tanh: 'sign(x) * (1.0 - exp(-2.0 * abs(x))) / (1.0 + exp(-2.0 * abs(x)))',
  abs: 'abs(x)',
  square: 'x * x',
  recip: '1.0 / x',
  sign: 'sign(x)',
  step: 'select(0.0, 1.0, x > 0.0)',
};

const I32: Partial<Record<UnaryOp, string>> = {
  neg: '-x',
  abs: 'abs(x)',
  square: 'x * x',
  sign: 'sign(x)',
};

/** y = op(x). */
export const Unary: GpuKernel<'Unary'> = (ctx, { x }, { op }, [out]) => {
  const expr = x.dtype === 'i32' ? I32[op] : F32[op];
  if (!expr) throw new Error(`webgpu Unary: op '${op}' has no ${x.dtype} implementation`);
  return [elementwise(ctx, `Unary(${op})`, [{ t: x, name: 'x' }], out, expr)];
};
