import { shapesEqual } from '../shape.js';
import type { KernelSpec, TensorInfo } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Checks Attention's operands (see the kernel table); returns the output (= q) info. */
function check(kernel: string, { q, k, v, bias }: { q: TensorInfo; k: TensorInfo; v: TensorInfo; bias: TensorInfo }, scale: number): TensorInfo {
  for (const [name, t] of [['q', q], ['k', k], ['v', v], ['bias', bias]] as const) expectDType(kernel, name, t, 'f32');
  if (q.shape.length !== 4 || k.shape.length !== 4) fail(kernel, 'q must be [B, H, S, Dh] and k, v [B, Hkv, T, Dh]', q, k, v);
  const [b, h, s, dh] = q.shape;
  const [bk, hkv, t, dk] = k.shape;
  if (bk !== b || dk !== dh || hkv === 0 || h % hkv !== 0) fail(kernel, 'k must be [B, Hkv, T, Dh] with the batch and head size of q and H a multiple of Hkv', q, k);
  if (!shapesEqual(v.shape, k.shape)) fail(kernel, "v must have the shape of k", k, v);
  if (bias.shape.length !== 4 || (bias.shape[0] !== 1 && bias.shape[0] !== b) || bias.shape[1] !== 1 || bias.shape[2] !== s || bias.shape[3] !== t) {
    fail(kernel, 'bias must be [B or 1, 1, S, T]', q, k, bias);
  }
  if (!Number.isFinite(scale)) fail(kernel, `scale must be finite, got ${scale}`);
  return { shape: q.shape, dtype: 'f32' };
}

/** Fused attention: the output has the shape of `q`. */
export const AttentionSpec: KernelSpec<'Attention'> = {
  name: 'Attention',
  infer: (inputs, { scale }) => [check('Attention', inputs, scale)],
};

/** Attention's VJP: `[dq, dk, dv]` of the shapes of `q`, `k`, `v`. */
export const AttentionGradSpec: KernelSpec<'AttentionGrad'> = {
  name: 'AttentionGrad',
  infer({ dy, q, k, v, bias }, { scale }) {
    const o = check('AttentionGrad', { q, k, v, bias }, scale);
    expectDType('AttentionGrad', 'dy', dy, 'f32');
    if (!shapesEqual(dy.shape, q.shape)) fail('AttentionGrad', 'dy must have the shape of q', dy, q);
    return [o, { shape: k.shape, dtype: 'f32' }, { shape: v.shape, dtype: 'f32' }];
  },
};
