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
