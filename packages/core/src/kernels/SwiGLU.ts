import { shapesEqual } from '../shape.js';
import type { KernelSpec, TensorInfo } from './spec.js';
import { expectDType, fail } from './spec.js';

function sameShape(kernel: string, infos: Record<string, TensorInfo>): TensorInfo {
  const list = Object.entries(infos);
  for (const [name, t] of list) expectDType(kernel, name, t, 'f32');
  const first = list[0][1];
  for (const [name, t] of list) {
    if (!shapesEqual(t.shape, first.shape)) fail(kernel, `input '${name}' must have the shape of '${list[0][0]}' (no broadcasting)`, ...list.map(([, x]) => x));
  }
  return { shape: first.shape, dtype: 'f32' };
}

/** Fused `silu(gate) * up`. */
export const SwiGLUSpec: KernelSpec<'SwiGLU'> = {
  name: 'SwiGLU',
  infer: ({ gate, up }) => [sameShape('SwiGLU', { gate, up })],
};

/** SwiGLU's VJP: `[dgate, dup]`. */
export const SwiGLUGradSpec: KernelSpec<'SwiGLUGrad'> = {
  name: 'SwiGLUGrad',
  infer: ({ dy, gate, up }) => {
    const o = sameShape('SwiGLUGrad', { dy, gate, up });
    return [o, o];
  },
};
