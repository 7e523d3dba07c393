/** Binary elementwise functions with broadcasting; comparisons give f32 0/1. */
import type { BinaryOp } from '@crossedit/core';
import { elementwise, SPECIAL_VALUES } from './common.js';
import type { GpuKernel } from './types.js';

/**
 * pow with the semantics of `Math.pow` on the finite cases that matter: b = 0 gives 1; a negative base
 * with an integer exponent gets the sign of the exponent's parity; a negative base with a fractional
 * exponent is NaN; a zero base gives 0 or +inf from exp2(b * log2(0)) = exp2(∓inf).
 */
const POW = `${SPECIAL_VALUES}
fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (b == 1.0) { return a; }
  if (b == 2.0) { return a * a; }
  if (a == 0.0) { return select(0.0, f32_inf(), b < 0.0); }
  let m = exp2(b * log2(abs(a)));
  if (a >= 0.0) { return m; }
  if (trunc(b) != b) { return f32_nan(); }
  let odd = abs(b) < 16777216.0 && fract(b * 0.5) != 0.0;
  return select(m, -m, odd);
}`;

const ARITH: Record<'add' | 'sub' | 'mul' | 'div' | 'max' | 'min', string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  max: 'max(a, b)',
  min: 'min(a, b)',
};

const CMP: Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', string> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

/** y = op(a, b). */
export const Binary: GpuKernel<'Binary'> = (ctx, { a, b }, { op }, [out]) => {
  let expr: string;
  let helpers = '';
  if (op === 'pow') {
    expr = 'pow_f32(a, b)';
    helpers = POW;
  } else if (op in CMP) expr = `select(0.0, 1.0, a ${CMP[op as keyof typeof CMP]} b)`;
  else expr = ARITH[op as keyof typeof ARITH];
  return [elementwise(ctx, `Binary(${op})`, [{ t: a, name: 'a' }, { t: b, name: 'b' }], out, expr, helpers)];
};
