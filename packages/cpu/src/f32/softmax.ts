/** f32 softmax: the reference's float64 arithmetic per row (a float64 row scratch), one rounding per output. */
import { checkIndex } from '../storage.js';
import { wasmExp, type WasmExp } from './exp-wasm.js';

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
 * What {@link softmaxNllF32} computed for a logits array, kept for {@link softmaxNllGradF32} on the same
 * logits (keyed by the array, which is never written after its kernel returns, so a hit is always
 * current): every row's `exp(x - max)` rounded to f32, and the row's sum (float64).
 */
const saved = new WeakMap<Float32Array, { e: Float32Array; sums: Float64Array }>();

/**
 * `out[r] = lse(x[r]) - x[r, t[r]]` per row of length `n` on f32 data, `lse = max + log(Σ exp(x - max))`
 * in float64 (the reference `softmaxNllImpl`'s arithmetic, the exponentials from the WebAssembly SIMD
 * {@link WasmExp}: the same values to float64 rounding, the sum in two interleaved partial sums); the exponentials and sums are
 * kept for {@link softmaxNllGradF32} on the same logits. A target outside `[0, n)` throws a RangeError
 * (as the reference).
 */
export function softmaxNllF32(x: Float32Array, t: Int32Array, out: Float32Array, n: number): void {
  const rows = out.length;
  const e = new Float32Array(rows * n);
  const sums = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    checkIndex('SoftmaxNll', 'targets', t[r], r, n);
    const b = r * n;
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = x[b + i];
      // NaN is skipped here but still makes the sum (and so the result) NaN, as the reference's Math.max
      if (v > m) m = v;
    }
    const s = wasmExp().row(x, b, n, m, e, b);
    sums[r] = s;
    out[r] = m + Math.log(s) - x[b + t[r]];
  }
  if (rows > 0 && n > 0) saved.set(x, { e, sums });
}

/**
 * SoftmaxNll's VJP per row of length `n` on f32 data: `dx = dy[r] * (softmax(x[r]) - onehot(t[r]))`.
 * After {@link softmaxNllF32} on the same logits, the softmax is its kept `exp(x - max)` (f32) over the
 * row's sum, one multiply per element; otherwise one `exp` per element here (the reference takes the
 * log-sum-exp first, then `exp(x - lse)`: the same values to f32 rounding). A target outside `[0, n)`
 * throws a RangeError (as the reference).
 */
export function softmaxNllGradF32(dy: Float32Array, x: Float32Array, t: Int32Array, dx: Float32Array, n: number): void {
  const rows = n === 0 ? 0 : dx.length / n;
  const kept = saved.get(x);
  if (kept && kept.sums.length === rows) {
    const { e, sums } = kept;
    for (let r = 0; r < rows; r++) {
      const target = t[r];
      checkIndex('SoftmaxNllGrad', 'targets', target, r, n);
      const b = r * n;
      const s = sums[r];
      const g = dy[r];
      const w = g / s;
      for (let i = 0; i < n; i++) dx[b + i] = w * e[b + i];
      dx[b + target] = g * (e[b + target] / s - 1);
    }
    return;
  }
  if (scratch.length < n) scratch = new Float64Array(n);
  const ex = scratch;
  for (let r = 0; r < rows; r++) {
    const target = t[r];
    checkIndex('SoftmaxNllGrad', 'targets', target, r, n);
    const s = expRow(x, r * n, n, ex);
    const b = r * n;
    const g = dy[r];
    const w = g / s;
    for (let i = 0; i < n; i++) dx[b + i] = w * ex[i];
    dx[b + target] = g * (ex[target] / s - 1);
  }
}
