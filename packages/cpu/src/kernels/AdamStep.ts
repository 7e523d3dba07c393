import type { KernelAttrs } from '@crossedit/core';
import type { HostKernel } from './kernel.js';

/**
 * The Adam update (see the kernel table) elementwise, in the order of the op chain it replaces, so the
 * float64 results are equal; outputs are rounded as their arrays store (f32 in the f32 backend).
 */
export function adamStepImpl(
  p: ArrayLike<number>,
  grad: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  a: KernelAttrs<'AdamStep'>,
  next: Float64Array | Float32Array,
  mo: Float64Array | Float32Array,
  vo: Float64Array | Float32Array,
): void {
  const { beta1: b1, beta2: b2, eps, sqrtBc2, stepSize, lr, weightDecay: wd, decoupled } = a;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const coupled = wd !== 0 && !decoupled;
  const shrink = wd !== 0 && decoupled ? 1 - lr * wd : 1;
  for (let i = 0; i < next.length; i++) {
    const g = coupled ? grad[i] + p[i] * wd : grad[i];
    const mi = m[i] * b1 + g * c1;
    const vi = v[i] * b2 + g * g * c2;
    mo[i] = mi;
    vo[i] = vi;
    const base = shrink === 1 ? p[i] : p[i] * shrink;
    // the moments as stored (rounded) feed the update, as in the op chain
    next[i] = base - (mo[i] / (Math.sqrt(vo[i]) / sqrtBc2 + eps)) * stepSize;
  }
}

/** One Adam update in float64: `[next, m', v']`. */
export const AdamStep: HostKernel<'AdamStep'> = ({ param, grad, m, v }, attrs) => {
  const n = param.data.length;
  const out = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  adamStepImpl(param.data, grad.data, m.data, v.data, attrs, out[0], out[1], out[2]);
  return out;
};
