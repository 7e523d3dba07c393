import { runKernel } from '../engine.js';
import { mul } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { sum } from '../ops/reduce.js';
import type { GradRule } from './rule.js';

/**
 * With r = rsqrt(mean(x^2) + eps) and g = dy * w: dx = r g - x r^3 mean(g x) (one fused kernel,
 * `RmsNormGrad`, which also gives r); dw = sum over rows of dy x r (only when the weight needs it).
 */
export const RmsNormGrad: GradRule<'RmsNorm'> = {
  vjp(dy, { x, weight }, _outputs, { eps }, needs) {
    const [dx, r] = runKernel('RmsNormGrad', { dy, x, weight }, { eps });
    const d = x.shape[x.rank - 1];
    const dw = needs?.weight === false ? null : sum(reshape(mul(dy, mul(x, r)), [-1, d]), 0);
    return { x: dx, weight: dw };
  },
};
