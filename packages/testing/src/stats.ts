/** Second-moment statistics for tests: the identity, so `C⁻¹k = k` (MEMIT's ridge term, ROME's adjustment). */
import { tensor, type Backend, type StatsProvider } from '@crossedit/core';

/**
 * A statistics provider answering `E[k kᵀ] = I` (`[size, size]`) for every layer; each call returns a
 * new tensor, which the caller owns.
 */
export function identityStats(size: number, backend?: Backend): StatsProvider & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async secondMoment(layer: number) {
      calls.push(layer);
      const v = new Float32Array(size * size);
      for (let i = 0; i < size; i++) v[i * size + i] = 1;
      return tensor(v, [size, size], backend ? { backend } : {});
    },
  };
}
