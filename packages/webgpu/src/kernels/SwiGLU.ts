/** The fused SwiGLU activation and its VJP (elementwise programs; the VJP is two of them). */
import { elementwise } from './common.js';
import type { GpuKernel } from './types.js';

/** sigmoid(g) in the form that overflows in neither branch (as Unary's). */
const SIGMOID = 'select(exp(g) / (1.0 + exp(g)), 1.0 / (1.0 + exp(-g)), g >= 0.0)';

/** y = silu(gate) * up. */
export const SwiGLU: GpuKernel<'SwiGLU'> = (ctx, { gate, up }, _attrs, [out]) => [
  elementwise(ctx, 'SwiGLU', [{ t: gate, name: 'g' }, { t: up, name: 'u' }], out, `g * ${SIGMOID} * u`),
];

/** [dgate, dup] = [(dy * up) * (s * (1 + gate * (1 - s))), dy * silu(gate)], s = sigmoid(gate). */
export const SwiGLUGrad: GpuKernel<'SwiGLUGrad'> = (ctx, { dy, gate, up }, _attrs, [og, ou]) => {
  const ins = [{ t: dy, name: 'd' }, { t: gate, name: 'g' }, { t: up, name: 'u' }];
  const dg = elementwise(ctx, 'SwiGLUGrad(gate)', ins, og, `d * u * (${SIGMOID} * (1.0 + g * (1.0 - ${SIGMOID})))`);
  const du = elementwise(ctx, 'SwiGLUGrad(up)', ins.slice(0, 2), ou, `d * (g * ${SIGMOID})`);
  return [dg, du];
};
