/** f32 softmax: the reference's float64 arithmetic per row (a float64 row scratch), one rounding per output. */
import { checkIndex } from '../storage.js';

let scratch = new Float64Array(256);

/** `e[i] = exp(x[b + i] - max)` for the row of length `n` at offset `b` (float64); returns their sum. */
function expRow(x: Float32Array, b: number, n: number, e: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, x[b + i]);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.exp(x[b + i] - m);
    e[i] = v;
    s += v;
  }
  return s;
}

/** Softmax of each row of length `n` of `x` into `y` (all -Infinity rows give NaN, as the reference). */
export function softmaxF32(x: Float32Array, y: Float32Array, n: number): void {
  if (scratch.length < n) scratch = new Float64Array(n);
  const e = scratch;
  for (let b = 0; b < y.length; b += n) {
    const inv = 1 / expRow(x, b, n, e);
    for (let i = 0; i < n; i++) y[b + i] = e[i] * inv;
  }
}

/**
 * SoftmaxNll's VJP per row of length `n` on f32 data: `dx = dy[r] * (softmax(x[r]) - onehot(t[r]))` with
 * one `exp` per element (the reference takes the log-sum-exp first, then `exp(x - lse)`: the same values
 * to f32 rounding). A target outside `[0, n)` throws a RangeError (as the reference).
 */
export function softmaxNllGradF32(dy: Float32Array, x: Float32Array, t: Int32Array, dx: Float32Array, n: number): void {
  if (scratch.length < n) scratch = new Float64Array(n);
  const e = scratch;
  const rows = n === 0 ? 0 : dx.length / n;
  for (let r = 0; r < rows; r++) {
    const target = t[r];
    checkIndex('SoftmaxNllGrad', 'targets', target, r, n);
    const s = expRow(x, r * n, n, e);
    const b = r * n;
    const g = dy[r];
    const w = g / s;
    for (let i = 0; i < n; i++) dx[b + i] = w * e[i];
    dx[b + target] = g * (e[target] / s - 1);
  }
}
