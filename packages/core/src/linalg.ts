/**
 * Dense linear algebra in float64 on the host: Cholesky factorisation and SPD solves. WGSL has no f64,
 * so MEMIT's `(λC + KKᵀ)⁻¹K` is solved here (C is read back once per layer); the work is O(m³/3) for
 * the factorisation and O(m² n) per solve. Blocked (column panels) for cache locality.
 */
import type { Backend } from './backend.js';
import { tensor } from './ops/creation.js';
import { ShapeError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * In-place lower Cholesky factor of a symmetric positive-definite `n×n` row-major matrix: on return the
 * lower triangle holds L with A = L Lᵀ (the strict upper triangle is zeroed). Throws if A is not SPD.
 */
export function choleskyInPlace(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new ShapeError(`cholesky: ${a.length} values for a ${n}x${n} matrix`);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) throw new RangeError(`cholesky: matrix is not positive definite (pivot ${j} = ${d})`);
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s * inv;
    }
    for (let i = 0; i < j; i++) a[i * n + j] = 0;
  }
  return a;
}

/** Solves L Lᵀ X = B in place on `b` (`n×r`, row-major) given the Cholesky factor `l`. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, r: number): Float64Array {
  // forward: L Y = B
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let k = 0; k < i; k++) {
      const f = l[li + k];
      if (f === 0) continue;
      for (let c = 0; c < r; c++) b[i * r + c] -= f * b[k * r + c];
    }
    const d = l[li + i];
    for (let c = 0; c < r; c++) b[i * r + c] /= d;
  }
  // backward: Lᵀ X = Y
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = l[k * n + i];
      if (f === 0) continue;
      for (let c = 0; c < r; c++) b[i * r + c] -= f * b[k * r + c];
    }
    const d = l[i * n + i];
    for (let c = 0; c < r; c++) b[i * r + c] /= d;
  }
  return b;
}

/**
 * Solves A X = B for symmetric positive-definite A (`[n, n]`) and B (`[n, r]`) in float64 on the host,
 * returning X on A's backend.
 */
export async function solveSpd(a: Tensor, b: Tensor, opts: { backend?: Backend } = {}): Promise<Tensor> {
  const n = a.shape[0];
  if (a.rank !== 2 || a.shape[1] !== n || b.rank !== 2 || b.shape[0] !== n) {
    throw new ShapeError(`solveSpd: need A [n,n] and B [n,r], got ${a.describe()} and ${b.describe()}`);
  }
  const l = Float64Array.from(await a.data());
  const x = Float64Array.from(await b.data());
  choleskyInPlace(l, n);
  choleskySolveInPlace(l, n, x, b.shape[1]);
  return tensor(x, b.shape, { backend: opts.backend ?? a.backend });
}
