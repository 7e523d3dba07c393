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

const EMPTY = new Int32Array(0);

/** An index map that is the identity, for loops that read through index maps. */
function identity(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

/**
 * The `f32` loops, one monomorphic loop per op (a call through a table of closures in the inner loop is
 * several times slower). `ia`/`ib` are broadcast index maps, or both `null` for equal shapes.
 */
function binaryF64(op: BinaryOp, a: Float64Array, ia: Int32Array | null, b: Float64Array, ib: Int32Array | null, o: Float64Array): void {
  const n = o.length;
  const direct = !ia && !ib;
  if (direct && !(op === 'add' || op === 'sub' || op === 'mul' || op === 'div')) {
    const f = BINARY_F32[op];
    for (let i = 0; i < n; i++) o[i] = f(a[i], b[i]);
    return;
  }
  const ja = direct ? EMPTY : (ia ?? identity(n));
  const jb = direct ? EMPTY : (ib ?? identity(n));
  switch (op) {
    case 'add':
      if (direct) for (let i = 0; i < n; i++) o[i] = a[i] + b[i];
      else for (let i = 0; i < n; i++) o[i] = a[ja[i]] + b[jb[i]];
      return;
    case 'sub':
      if (direct) for (let i = 0; i < n; i++) o[i] = a[i] - b[i];
      else for (let i = 0; i < n; i++) o[i] = a[ja[i]] - b[jb[i]];
      return;
    case 'mul':
      if (direct) for (let i = 0; i < n; i++) o[i] = a[i] * b[i];
      else for (let i = 0; i < n; i++) o[i] = a[ja[i]] * b[jb[i]];
      return;
    case 'div':
      if (direct) for (let i = 0; i < n; i++) o[i] = a[i] / b[i];
      else for (let i = 0; i < n; i++) o[i] = a[ja[i]] / b[jb[i]];
      return;
    default: {
      const f = BINARY_F32[op];
      for (let i = 0; i < n; i++) o[i] = f(a[ja[i]], b[jb[i]]);
    }
  }
}

/**
 * Elementwise binary op with numpy broadcasting. Both inputs share a dtype; comparisons return `f32`
 * 0/1 whatever the input dtype. `div` and `pow` are `f32` only. See {@link BINARY_F32} and
 * {@link BINARY_I32} for each op's exact definition.
 */
export const Binary: HostKernel<'Binary'> = ({ a, b }, { op }, [o]) => {
  const out = alloc(o);
  const ia = broadcastIndex(a.shape, o.shape);
  const ib = broadcastIndex(b.shape, o.shape);
  if (a.dtype === 'f32') {
    binaryF64(op, a.data as Float64Array, ia, b.data as Float64Array, ib, out as Float64Array);
    return [out];
  }
  const f = BINARY_I32[op];
  if (!f) throw new TypeError(`Binary(${op}): not defined for ${a.dtype}`);
  const ad = a.data;
  const bd = b.data;
  for (let i = 0; i < out.length; i++) out[i] = f(ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  return [out];
};
