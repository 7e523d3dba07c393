import { alloc, checkIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/** `max + log(sum(exp(x - max)))` of the row `x[b, b + n)` (the sum in the order log-softmax takes it). */
function rowLse(x: ArrayLike<number>, b: number, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, x[b + i]);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[b + i] - m);
  return m + Math.log(s);
}

/**
 * `out[r] = lse(x[r]) - x[r, t[r]]` per row of length `n` (the value `-logSoftmax(x)[r, t[r]]` has in the
 * unfused ops, bit for bit). A target outside `[0, n)` throws a RangeError.
 */
export function softmaxNllImpl(x: ArrayLike<number>, t: ArrayLike<number>, out: Float64Array | Float32Array, n: number): void {
  for (let r = 0; r < out.length; r++) {
    checkIndex('SoftmaxNll', 'targets', t[r], r, n);
    out[r] = rowLse(x, r * n, n) - x[r * n + t[r]];
  }
}

/** `dx[r, i] = dy[r] * (exp(x[r, i] - lse(x[r])) - [i = t[r]])` per row of length `n`. */
export function softmaxNllGradImpl(dy: ArrayLike<number>, x: ArrayLike<number>, t: ArrayLike<number>, dx: Float64Array | Float32Array, n: number): void {
  const rows = n === 0 ? 0 : dx.length / n;
  for (let r = 0; r < rows; r++) {
    checkIndex('SoftmaxNllGrad', 'targets', t[r], r, n);
    const b = r * n;
    const lse = rowLse(x, b, n);
    const g = dy[r];
    for (let i = 0; i < n; i++) dx[b + i] = g * Math.exp(x[b + i] - lse);
    dx[b + t[r]] = g * (Math.exp(x[b + t[r]] - lse) - 1);
  }
}

/** Fused log-softmax + NLL in float64 (see {@link softmaxNllImpl}). */
export const SoftmaxNll: HostKernel<'SoftmaxNll'> = ({ logits, targets }, _attrs, [o]) => {
  const out = alloc(o) as Float64Array;
  const n = logits.shape[logits.shape.length - 1];
  softmaxNllImpl(logits.data, targets.data, out, n);
  return [out];
};

/** SoftmaxNll's VJP in float64 (see {@link softmaxNllGradImpl}). */
export const SoftmaxNllGrad: HostKernel<'SoftmaxNllGrad'> = ({ dy, logits, targets }, _attrs, [o]) => {
  const out = alloc(o) as Float64Array;
  const n = logits.shape[logits.shape.length - 1];
  softmaxNllGradImpl(dy.data, logits.data, targets.data, out, n);
  return [out];
};
