/**
 * f32 elementwise binary ops: the reference's scalar functions ({@link BINARY_F32}, float64 arithmetic)
 * with every result stored to a `Float32Array` (one rounding per op, as an f32 device computes
 * add/sub/mul/div). Monomorphic loops for equal shapes and a scalar operand; other broadcasts run
 * along the last axis, with a row index map per shape pair (cached).
 */
import type { BinaryOp, Shape } from '@crossedit/core';
import { BINARY_F32 } from '../kernels/Binary.js';
import { broadcastIndex } from '../storage.js';

const MAPS = new Map<string, Int32Array | null>();

/** The broadcast index map of `inShape` into `outShape`, cached (a few hundred shape pairs at most). */
function indexMap(inShape: Shape, outShape: Shape): Int32Array | null {
  const key = `${inShape.join(',')}>${outShape.join(',')}`;
  let m = MAPS.get(key);
  if (m === undefined) {
    if (MAPS.size > 512) MAPS.clear();
    m = broadcastIndex(inShape, outShape);
    MAPS.set(key, m);
  }
  return m;
}

/** `o = op(a, b)` with numpy broadcasting on f32 data (`o` has the output shape). */
export function binaryF32(op: BinaryOp, a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, o: Float32Array, oShape: Shape): void {
  const n = o.length;
  if (n === 0) return;
  const ia = a.length === n ? null : a.length === 1 ? null : indexMap(aShape, oShape);
  const ib = b.length === n ? null : b.length === 1 ? null : indexMap(bShape, oShape);
  // a.length === n with a different shape cannot happen (broadcasting only grows)
  if (!ia && !ib && b.length === n && a.length === n) {
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) o[i] = a[i] + b[i]; return;
      case 'sub': for (let i = 0; i < n; i++) o[i] = a[i] - b[i]; return;
      case 'mul': for (let i = 0; i < n; i++) o[i] = a[i] * b[i]; return;
      case 'div': for (let i = 0; i < n; i++) o[i] = a[i] / b[i]; return;
      default: {
        const f = BINARY_F32[op];
        for (let i = 0; i < n; i++) o[i] = f(a[i], b[i]);
        return;
      }
    }
  }
  if (!ia && a.length === n && b.length === 1) {
    const s = b[0];
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) o[i] = a[i] + s; return;
      case 'sub': for (let i = 0; i < n; i++) o[i] = a[i] - s; return;
      case 'mul': for (let i = 0; i < n; i++) o[i] = a[i] * s; return;
      case 'div': for (let i = 0; i < n; i++) o[i] = a[i] / s; return;
      default: {
        const f = BINARY_F32[op];
        for (let i = 0; i < n; i++) o[i] = f(a[i], s);
        return;
      }
    }
  }
  if (!ib && b.length === n && a.length === 1) {
    const s = a[0];
    switch (op) {
      case 'sub': for (let i = 0; i < n; i++) o[i] = s - b[i]; return;
      case 'mul': for (let i = 0; i < n; i++) o[i] = s * b[i]; return;
      case 'div': for (let i = 0; i < n; i++) o[i] = s / b[i]; return;
      default: {
        const f = BINARY_F32[op];
        for (let i = 0; i < n; i++) o[i] = f(s, b[i]);
        return;
      }
    }
  }
  // general broadcast: rows of the last axis; each operand either runs along it or repeats one value
  const r = oShape.length;
  const L = oShape[r - 1];
  const rows = n / L;
  const aL = a.length === 1 ? 1 : aShape[aShape.length - 1];
  const bL = b.length === 1 ? 1 : bShape[bShape.length - 1];
  const ra = a.length === 1 ? null : indexMap(aShape.slice(0, -1), oShape.slice(0, -1));
  const rb = b.length === 1 ? null : indexMap(bShape.slice(0, -1), oShape.slice(0, -1));
  const sa = aL === 1 ? 0 : 1;
  const sb = bL === 1 ? 0 : 1;
  const f = BINARY_F32[op];
  for (let q = 0; q < rows; q++) {
    const pa = a.length === 1 ? 0 : (ra ? ra[q] : q) * aL;
    const pb = b.length === 1 ? 0 : (rb ? rb[q] : q) * bL;
    const po = q * L;
    switch (op) {
      case 'add':
        for (let j = 0; j < L; j++) o[po + j] = a[pa + sa * j] + b[pb + sb * j];
        break;
      case 'sub':
        for (let j = 0; j < L; j++) o[po + j] = a[pa + sa * j] - b[pb + sb * j];
        break;
      case 'mul':
        for (let j = 0; j < L; j++) o[po + j] = a[pa + sa * j] * b[pb + sb * j];
        break;
      case 'div':
        for (let j = 0; j < L; j++) o[po + j] = a[pa + sa * j] / b[pb + sb * j];
        break;
      default:
        for (let j = 0; j < L; j++) o[po + j] = f(a[pa + sa * j], b[pb + sb * j]);
    }
  }
}
