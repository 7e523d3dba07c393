import { runKernel } from '../engine.js';
import type { GradRule } from './rule.js';

/** One fused kernel (`SwiGLUGrad`) gives both cotangents; see the kernel's definition. */
export const SwiGLUGrad: GradRule<'SwiGLU'> = {
  vjp(dy, { gate, up }) {
    const [dgate, dup] = runKernel('SwiGLUGrad', { dy, gate, up }, {});
    return { gate: dgate, up: dup };
  },
};
