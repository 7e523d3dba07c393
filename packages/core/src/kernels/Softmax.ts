import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

function lastAxisSpec<K extends 'Softmax' | 'LogSoftmax'>(name: K): KernelSpec<K> {
  return {
    name,
    infer({ x }) {
      expectDType(name, 'x', x, 'f32');
      if (x.shape.length === 0) fail(name, 'needs rank >= 1', x);
      return [{ shape: x.shape, dtype: 'f32' }];
    },
  } as KernelSpec<K>;
}

/** Softmax over the last axis. */
export const SoftmaxSpec = lastAxisSpec('Softmax');
/** Log-softmax over the last axis. */
export const LogSoftmaxSpec = lastAxisSpec('LogSoftmax');

/** Softmax's fused VJP: `dx` of the shape of `y`. */
export const SoftmaxGradSpec: KernelSpec<'SoftmaxGrad'> = {
  name: 'SoftmaxGrad',
  infer({ dy, y }) {
    expectDType('SoftmaxGrad', 'dy', dy, 'f32');
    expectDType('SoftmaxGrad', 'y', y, 'f32');
    if (y.shape.length === 0) fail('SoftmaxGrad', 'needs rank >= 1', y);
    if (dy.shape.length !== y.shape.length || dy.shape.some((d, i) => d !== y.shape[i])) fail('SoftmaxGrad', 'dy must have the shape of y', dy, y);
    return [{ shape: y.shape, dtype: 'f32' }];
  },
};
