import type { BinaryOp } from '@crossedit/core';
import { alloc, broadcastIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * The scalar function of each binary op on `f32` values (float64 arithmetic). `max`/`min` are
 * `Math.max`/`Math.min` (NaN propagates); `pow` is `Math.pow`, so a negative base with an integer
 * exponent is fine (`(-2)^3 = -8`) and with a non-integer exponent gives NaN; comparisons give 1 or 0.
 */
export const BINARY_F32: { readonly [B in BinaryOp]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/** The `i32` forms: add, sub and mul wrap to 32 bits (two's complement, as WGSL); comparisons as for f32. */
export const BINARY_I32: Partial<{ readonly [B in BinaryOp]: (a: number, b: number) => number }> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: Math.imul,
  max: Math.max,
  min: Math.min,
  eq: BINARY_F32.eq,
  ne: BINARY_F32.ne,
  lt: BINARY_F32.lt,
  le: BINARY_F32.le,
  gt: BINARY_F32.gt,
  ge: BINARY_F32.ge,
};

/**
 * Elementwise binary op with numpy broadcasting. Both inputs share a dtype; comparisons return `f32`
 * 0/1 whatever the input dtype. `div` and `pow` are `f32` only.
 */
export const Binary: HostKernel<'Binary'> = ({ a, b }, { op }, [o]) => {
  const f = a.dtype === 'i32' ? BINARY_I32[op] : BINARY_F32[op];
  if (!f) throw new TypeError(`Binary(${op}): not defined for ${a.dtype}`);
  const out = alloc(o);
  const ad = a.data;
  const bd = b.data;
  const ia = broadcastIndex(a.shape, o.shape);
  const ib = broadcastIndex(b.shape, o.shape);
  const n = out.length;
  if (!ia && !ib) for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  else if (!ia && b.data.length === 1) {
    const s = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], s);
  } else if (!ib && a.data.length === 1) {
    const s = ad[0];
    for (let i = 0; i < n; i++) out[i] = f(s, bd[i]);
  } else if (!ia) for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[ib![i]]);
  else if (!ib) for (let i = 0; i < n; i++) out[i] = f(ad[ia[i]], bd[i]);
  else for (let i = 0; i < n; i++) out[i] = f(ad[ia[i]], bd[ib[i]]);
  return [out];
};
