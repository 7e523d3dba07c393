/**
 * C⁻¹ applied to a vector, for ROME's optional covariance adjustment: the second moment comes from
 * `ctx.stats`; its Cholesky factor is computed once per provider and layer in float64 on the host.
 */
import { choleskyInPlace, choleskySolveInPlace, type StatsProvider } from '@crossedit/core';

const factors = new WeakMap<StatsProvider, Map<number, Promise<{ n: number; l: Float64Array }>>>();

async function factorOf(stats: StatsProvider, layer: number): Promise<{ n: number; l: Float64Array }> {
  const c = await stats.secondMoment(layer);
  const n = c.shape[0];
  const data = await c.data();
  c.dispose();
  let trace = 0;
  for (let i = 0; i < n; i++) trace += data[i * n + i];
  let jitter = 0;
  for (let attempt = 0; attempt < 12; attempt++) {
    const l = Float64Array.from(data);
    for (let i = 0; i < n && jitter > 0; i++) l[i * n + i] += jitter;
    try {
      return { n, l: choleskyInPlace(l, n) };
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      jitter = jitter === 0 ? (1e-6 * trace) / n : jitter * 10;
    }
  }
  throw new RangeError(`second moment of layer ${layer} is not positive definite`);
}

/** Solves C x = b with C the second moment of `layer` (host float64). */
export async function solveSecondMoment(stats: StatsProvider, layer: number, b: Float64Array): Promise<Float64Array> {
  let byLayer = factors.get(stats);
  if (!byLayer) factors.set(stats, (byLayer = new Map()));
  let f = byLayer.get(layer);
  if (!f) {
    f = factorOf(stats, layer);
    byLayer.set(layer, f);
    f.catch(() => byLayer!.delete(layer));
  }
  const { n, l } = await f;
  if (b.length !== n) throw new RangeError(`second moment of layer ${layer} is ${n}x${n}, the key has ${b.length} entries`);
  return choleskySolveInPlace(l, n, Float64Array.from(b), 1);
}
