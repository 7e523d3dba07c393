import { runKernel } from '../engine.js';
import { exp, mul, sub } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { GradRule } from './rule.js';

/** dx = y * (dy - sum(dy * y)), in one fused kernel (`SoftmaxGrad`). */
export const SoftmaxGrad: GradRule<'Softmax'> = {
  vjp(dy, _inputs, [y]) {
    return { x: runKernel('SoftmaxGrad', { dy, y }, {})[0] };
  },
};

/** dx = dy - softmax(x) * sum(dy). */
export const LogSoftmaxGrad: GradRule<'LogSoftmax'> = {
  vjp(dy, _inputs, [y]) {
    return { x: sub(dy, mul(exp(y), sum(dy, -1, true))) };
  },
};
