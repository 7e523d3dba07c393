import { shapesEqual } from '../shape.js';
import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** The fused Adam update: `[next, m', v']`, each of the parameter's shape. */
export const AdamStepSpec: KernelSpec<'AdamStep'> = {
  name: 'AdamStep',
  infer({ param, grad, m, v }, attrs) {
    const all = { param, grad, m, v };
    for (const [name, t] of Object.entries(all)) {
      expectDType('AdamStep', name, t, 'f32');
      if (!shapesEqual(t.shape, param.shape)) fail('AdamStep', `input '${name}' must have the shape of 'param'`, param, t);
    }
    for (const k of ['beta1', 'beta2', 'eps', 'sqrtBc2', 'stepSize', 'lr', 'weightDecay'] as const) {
      if (!Number.isFinite(attrs[k])) fail('AdamStep', `attribute '${k}' must be a finite number, got ${attrs[k]}`);
    }
    const o = { shape: param.shape, dtype: 'f32' as const };
    return [o, o, o];
  },
};
