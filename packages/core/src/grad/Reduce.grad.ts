import { div, equal, mul } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { sum } from '../ops/reduce.js';
import { normAxis } from '../shape.js';
import { broadcastTo, type GradRule } from './rule.js';

/** Sum: broadcast dy back. Max/min: dy shared evenly among the tied extremal entries. */
export const ReduceGrad: GradRule<'Reduce'> = {
  vjp(dy, { x }, [y], { op, axis }) {
    if (x.dtype !== 'f32') return { x: null };
    const ax = normAxis(axis, x.rank, 'Reduce');
    const keptShape = x.shape.map((d, i) => (i === ax ? 1 : d));
    const dyK = reshape(dy, keptShape);
    if (op === 'sum') return { x: broadcastTo(dyK, x.shape) };
    const mask = equal(x, reshape(y, keptShape));
    const count = sum(mask, ax, true);
    return { x: mul(mask, div(dyK, count)) };
  },
};
