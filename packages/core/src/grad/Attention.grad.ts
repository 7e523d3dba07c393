import { runKernel } from '../engine.js';
import type { GradRule } from './rule.js';

/**
 * `[dq, dk, dv]` from one fused kernel (`AttentionGrad`, the probabilities recomputed); the additive
 * bias is a mask and gets none. Cotangents no input needs are dropped after the kernel.
 */
export const AttentionGrad: GradRule<'Attention'> = {
  vjp(dy, { q, k, v, bias }, _outputs, attrs, needs) {
    const [dq, dk, dv] = runKernel('AttentionGrad', { dy, q, k, v, bias }, attrs);
    const keep = (t: typeof dq, want: boolean | undefined) => {
      if (want === false) {
        t.dispose();
        return null;
      }
      return t;
    };
    return { q: keep(dq, needs?.q), k: keep(dk, needs?.k), v: keep(dv, needs?.v), bias: null };
  },
};
