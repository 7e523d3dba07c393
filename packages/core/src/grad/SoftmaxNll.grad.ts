import { runKernel } from '../engine.js';
import type { GradRule } from './rule.js';

/** dlogits = dy * (softmax(logits) - onehot(targets)), one fused kernel (`SoftmaxNllGrad`); targets get none. */
export const SoftmaxNllGrad: GradRule<'SoftmaxNll'> = {
  vjp(dy, { logits, targets }) {
    return { logits: runKernel('SoftmaxNllGrad', { dy, logits, targets }, {})[0], targets: null };
  },
};
