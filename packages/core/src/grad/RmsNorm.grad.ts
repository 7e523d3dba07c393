import { add, mul, rsqrt, square, sub } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { mean, sum } from '../ops/reduce.js';
import type { GradRule } from './rule.js';

/**
 * With r = rsqrt(mean(x^2) + eps) and g = dy * w: dx = r g - x r^3 mean(g x); dw = sum over rows of dy x r.
 */
export const RmsNormGrad: GradRule<'RmsNorm'> = {
  vjp(dy, { x, weight }, _outputs, { eps }) {
    const r = rsqrt(add(mean(square(x), -1, true), eps));
    const g = mul(dy, weight);
    const dx = sub(mul(r, g), mul(mul(x, mul(r, square(r))), mean(mul(g, x), -1, true)));
    const d = x.shape[x.rank - 1];
    const dw = sum(reshape(mul(dy, mul(x, r)), [-1, d]), 0);
    return { x: dx, weight: dw };
  },
};
