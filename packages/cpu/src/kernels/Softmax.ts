import { alloc } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * Softmax of each row (last axis) of `x: [rows * n]` into `out`, stable: `exp(x - max) / sum`. A row of
 * all -Infinity gives NaN (as PyTorch).
 */
export function softmaxImpl(x: ArrayLike<number>, out: Float64Array, n: number): void {
  for (let r = 0; r * n < out.length; r++) {
    const b = r * n;
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[b + i]);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(x[b + i] - m);
      out[b + i] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let i = 0; i < n; i++) out[b + i] *= inv;
  }
}

/** Log-softmax of each row: `x - max - log(sum(exp(x - max)))`. */
export function logSoftmaxImpl(x: ArrayLike<number>, out: Float64Array, n: number): void {
  for (let r = 0; r * n < out.length; r++) {
    const b = r * n;
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[b + i]);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[b + i] - m);
    const lse = m + Math.log(s);
    for (let i = 0; i < n; i++) out[b + i] = x[b + i] - lse;
  }
}

/** Softmax over the last axis (see {@link softmaxImpl}). */
export const Softmax: HostKernel<'Softmax'> = ({ x }, _attrs, [o]) => {
  const out = alloc(o) as Float64Array;
  const n = x.shape[x.shape.length - 1];
  if (n > 0) softmaxImpl(x.data, out, n);
  return [out];
};

/** Log-softmax over the last axis (see {@link logSoftmaxImpl}). */
export const LogSoftmax: HostKernel<'LogSoftmax'> = ({ x }, _attrs, [o]) => {
  const out = alloc(o) as Float64Array;
  const n = x.shape[x.shape.length - 1];
  if (n > 0) logSoftmaxImpl(x.data, out, n);
  return [out];
};

/**
 * Softmax's VJP per row of length `n` from the output `y`: `dx = y * (dy - sum(dy * y))` (float64; the
 * unfused rule's operations in order, so results are equal).
 */
export function softmaxGradImpl(dy: ArrayLike<number>, y: ArrayLike<number>, dx: Float64Array | Float32Array, n: number): void {
  for (let b = 0; b < dx.length; b += n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += dy[b + i] * y[b + i];
    for (let i = 0; i < n; i++) dx[b + i] = y[b + i] * (dy[b + i] - s);
  }
}

/** Softmax's fused VJP (see {@link softmaxGradImpl}). */
export const SoftmaxGrad: HostKernel<'SoftmaxGrad'> = ({ dy, y }, _attrs, [o]) => {
  const out = alloc(o) as Float64Array;
  const n = y.shape[y.shape.length - 1];
  if (n > 0) softmaxGradImpl(dy.data, y.data, out, n);
  return [out];
};
