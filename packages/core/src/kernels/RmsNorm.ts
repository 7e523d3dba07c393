import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** RMSNorm over the last axis with a learned scale. */
export const RmsNormSpec: KernelSpec<'RmsNorm'> = {
  name: 'RmsNorm',
  infer({ x, weight }, { eps }) {
    expectDType('RmsNorm', 'x', x, 'f32');
    expectDType('RmsNorm', 'weight', weight, 'f32');
    const d = x.shape[x.shape.length - 1];
    if (x.shape.length === 0 || weight.shape.length !== 1 || weight.shape[0] !== d) {
      fail('RmsNorm', `weight must be [${d}] matching the last axis of x`, x, weight);
    }
    if (!(eps >= 0)) fail('RmsNorm', `eps must be >= 0, got ${eps}`);
    return [{ shape: x.shape, dtype: 'f32' }];
  },
};

/** RMSNorm's fused input VJP: `[dx, r]` (see the kernel table). */
export const RmsNormGradSpec: KernelSpec<'RmsNormGrad'> = {
  name: 'RmsNormGrad',
  infer({ dy, x, weight }, { eps }) {
    const [y] = RmsNormSpec.infer({ x, weight }, { eps });
    expectDType('RmsNormGrad', 'dy', dy, 'f32');
    if (dy.shape.length !== x.shape.length || dy.shape.some((d, i) => d !== x.shape[i])) fail('RmsNormGrad', "dy must have the shape of x", dy, x);
    return [y, { shape: [...x.shape.slice(0, -1), 1], dtype: 'f32' }];
  },
};
