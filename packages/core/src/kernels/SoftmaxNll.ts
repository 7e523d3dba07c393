import type { KernelSpec, TensorInfo } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Checks `logits: [..., V]` f32 against its i32 `targets: [...]`; returns the targets' shape. */
function rowsOf(kernel: string, logits: TensorInfo, targets: TensorInfo): readonly number[] {
  expectDType(kernel, 'logits', logits, 'f32');
  expectDType(kernel, 'targets', targets, 'i32');
  const lead = logits.shape.slice(0, -1);
  if (logits.shape.length < 1 || targets.shape.length !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    fail(kernel, 'targets must have the shape of logits without its last axis', logits, targets);
  }
  return lead;
}

/** Fused log-softmax + NLL: one value per row, of the shape of `targets`. */
export const SoftmaxNllSpec: KernelSpec<'SoftmaxNll'> = {
  name: 'SoftmaxNll',
  infer: ({ logits, targets }) => [{ shape: rowsOf('SoftmaxNll', logits, targets), dtype: 'f32' }],
};

/** SoftmaxNll's VJP: `dlogits` of the shape of `logits`. */
export const SoftmaxNllGradSpec: KernelSpec<'SoftmaxNllGrad'> = {
  name: 'SoftmaxNllGrad',
  infer({ dy, logits, targets }) {
    const lead = rowsOf('SoftmaxNllGrad', logits, targets);
    expectDType('SoftmaxNllGrad', 'dy', dy, 'f32');
    if (dy.shape.length !== lead.length || dy.shape.some((d, i) => d !== lead[i])) fail('SoftmaxNllGrad', 'dy must have the shape of targets', dy, targets);
    return [{ shape: logits.shape, dtype: 'f32' }];
  },
};
