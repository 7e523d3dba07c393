/** f32 softmax: the reference's float64 arithmetic per row (a float64 row scratch), one rounding per output. */

let scratch = new Float64Array(256);

/** Softmax of each row of length `n` of `x` into `y` (all -Infinity rows give NaN, as the reference). */
export function softmaxF32(x: Float32Array, y: Float32Array, n: number): void {
  if (scratch.length < n) scratch = new Float64Array(n);
  const e = scratch;
  for (let b = 0; b < y.length; b += n) {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[b + i]);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.exp(x[b + i] - m);
      e[i] = v;
      s += v;
    }
    const inv = 1 / s;
    for (let i = 0; i < n; i++) y[b + i] = e[i] * inv;
  }
}
