/** Gradient-norm clipping and non-finite detection (PyTorch `clip_grad_norm_` semantics). */
import { tidy } from '../engine.js';
import { add, div, greater, mul, sqrt, square, sub, where } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales gradients so their global L2 norm is at most `maxNorm` (coefficient
 * `maxNorm / (norm + 1e-6)` clamped to 1). Returns the new gradients and the norm before clipping.
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; norm: Tensor } {
  return tidy(() => {
    let total: Tensor | null = null;
    for (const g of grads) {
      const s = sum(square(g));
      total = total ? add(total, s) : s;
    }
    const norm = total ? sqrt(total) : sqrt(sum(square(grads[0])));
    const coef = div(maxNorm, add(norm, 1e-6));
    const c = where(greater(coef, 1), 1, coef);
    return { grads: grads.map((g) => mul(g, c)), norm };
  });
}

/** Whether every value of every tensor is finite (reads one number back). */
export async function allFinite(ts: readonly Tensor[]): Promise<boolean> {
  if (ts.length === 0) return true;
  const probe = tidy(() => {
    let acc: Tensor | null = null;
    for (const t of ts) {
      const s = sum(sub(t, t));
      acc = acc ? add(acc, s) : s;
    }
    return acc!;
  });
  const v = await probe.item();
  probe.dispose();
  return Number.isFinite(v);
}
