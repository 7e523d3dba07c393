/**
 * MEMIT step 2b: the update's right factor through the Woodbury identity,
 * (λC + KKᵀ)⁻¹K = C⁻¹K (λI + KᵀC⁻¹K)⁻¹, so that with a cached Cholesky factor of C only n×n systems
 * are solved per edit (n = number of requests), in float64 on the host.
 */
import { choleskyInPlace, choleskySolveInPlace } from '@crossedit/core';
import { solveWithFactor, type SpdFactor } from '@crossedit/stats';

/**
 * Aᵀ for A = (λC + KKᵀ)⁻¹K, given the factor of C and the keys `kt` (`n × m` row-major, one key per
 * row). Returns Aᵀ, `n × m` row-major.
 */
export function woodburySolve(factor: SpdFactor, kt: Float64Array, n: number, lambda: number): Float64Array {
  const m = factor.n;
  if (kt.length !== n * m) throw new RangeError(`woodburySolve: ${kt.length} key values for ${n} keys of width ${m}`);
  // K as m × n (row-major), then Y = C⁻¹ K
  const k = new Float64Array(m * n);
  for (let r = 0; r < n; r++) for (let j = 0; j < m; j++) k[j * n + r] = kt[r * m + j];
  const y = solveWithFactor(factor, k, n);
  // S = λI + Kᵀ Y (n × n, symmetric positive definite)
  const s = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let acc = 0;
      for (let j = 0; j < m; j++) acc += kt[a * m + j] * y[j * n + b];
      s[a * n + b] = acc;
    }
  }
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) s[a * n + b] = s[b * n + a] = (s[a * n + b] + s[b * n + a]) / 2;
    s[a * n + a] += lambda;
  }
  // Aᵀ = S⁻¹ Yᵀ  (S symmetric): solve S Z = Yᵀ with Z n × m
  const z = new Float64Array(n * m);
  for (let r = 0; r < n; r++) for (let j = 0; j < m; j++) z[r * m + j] = y[j * n + r];
  choleskyInPlace(s, n);
  return choleskySolveInPlace(s, n, z, m);
}
