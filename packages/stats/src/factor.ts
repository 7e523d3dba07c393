/**
 * Cholesky factors of second-moment matrices, in float64 on the host (core `linalg`), cached per
 * provider and layer: MEMIT's Woodbury solve and ROME's covariance adjustment need C⁻¹ applied to a few
 * vectors, which a factor gives in O(m²) per vector after one O(m³/3) factorisation.
 */
import { choleskyInPlace, choleskySolveInPlace, type StatsProvider } from '@crossedit/core';

/** A lower Cholesky factor L of C + jitter·I (row-major, `n×n`). */
export interface SpdFactor {
  n: number;
  l: Float64Array;
  /** The ridge added to the diagonal to make C positive definite (0 when none was needed). */
  jitter: number;
}

/** Optional capabilities of a provider that the factor cache uses when present. */
export interface FactorSource extends StatsProvider {
  /** C as host values, skipping a device round trip. */
  secondMomentHost?(layer: number): Promise<{ data: Float32Array | Float64Array; size: number }>;
  /** A stored factor, or null. */
  loadFactor?(layer: number): Promise<SpdFactor | null>;
  /** Stores a factor for later runs. */
  saveFactor?(layer: number, f: SpdFactor): Promise<void>;
}

/**
 * Factorises a symmetric positive semi-definite matrix (not modified). If it is not positive
 * definite (too few samples, dead units), a ridge of 1e-6·mean(diag), growing tenfold per retry, is
 * added to the diagonal and recorded in `jitter`.
 */
export function choleskyWithJitter(a: ArrayLike<number>, n: number): SpdFactor {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const scale = trace > 0 ? trace / n : 1;
  let jitter = 0;
  for (let attempt = 0; attempt < 12; attempt++) {
    const l = Float64Array.from(a as ArrayLike<number>);
    if (jitter > 0) for (let i = 0; i < n; i++) l[i * n + i] += jitter;
    try {
      choleskyInPlace(l, n);
      return { n, l, jitter };
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      jitter = jitter === 0 ? 1e-6 * scale : jitter * 10;
    }
  }
  throw new RangeError(`choleskyWithJitter: matrix stays indefinite with a ridge of ${jitter} (is it a second moment?)`);
}

/** Solves (L Lᵀ) X = B for B `n×r` (row-major); returns X as a new array. */
export function solveWithFactor(f: SpdFactor, b: ArrayLike<number>, r: number): Float64Array {
  if (b.length !== f.n * r) throw new RangeError(`solveWithFactor: ${b.length} values for a ${f.n}x${r} right-hand side`);
  return choleskySolveInPlace(f.l, f.n, Float64Array.from(b as ArrayLike<number>), r);
}

const cache = new WeakMap<StatsProvider, Map<number, Promise<SpdFactor>>>();

/**
 * The Cholesky factor of `stats.secondMoment(layer)`, computed once per provider and layer (and
 * stored by the provider when it can).
 */
export function secondMomentFactor(stats: StatsProvider, layer: number): Promise<SpdFactor> {
  let byLayer = cache.get(stats);
  if (!byLayer) cache.set(stats, (byLayer = new Map()));
  let p = byLayer.get(layer);
  if (!p) {
    p = computeFactor(stats as FactorSource, layer);
    byLayer.set(layer, p);
    p.catch(() => byLayer!.delete(layer));
  }
  return p;
}

async function computeFactor(stats: FactorSource, layer: number): Promise<SpdFactor> {
  const stored = await stats.loadFactor?.(layer);
  if (stored) return stored;
  let data: ArrayLike<number>;
  let n: number;
  if (stats.secondMomentHost) {
    const h = await stats.secondMomentHost(layer);
    data = h.data;
    n = h.size;
  } else {
    const c = await stats.secondMoment(layer);
    n = c.shape[0];
    data = await c.data();
    c.dispose();
  }
  const f = choleskyWithJitter(data, n);
  await stats.saveFactor?.(layer, f);
  return f;
}
