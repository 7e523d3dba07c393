import { broadcastShapes } from '../shape.js';
import type { KernelSpec } from './spec.js';
import { expectDType, fail } from './spec.js';

/** Batched matmul with optional transposes and broadcast batch dimensions; `f16` operands (weights) widen, the result is `f32`. */
export const MatMulSpec: KernelSpec<'MatMul'> = {
  name: 'MatMul',
  infer({ a, b }, { transA, transB }) {
    expectDType('MatMul', 'a', a, 'f32', 'f16');
    expectDType('MatMul', 'b', b, 'f32', 'f16');
    if (a.shape.length < 2 || b.shape.length < 2) fail('MatMul', 'inputs must have rank >= 2', a, b);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
    const ka = transA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (ka !== kb) fail('MatMul', `inner dimensions differ: ${ka} vs ${kb} (transA=${transA}, transB=${transB})`, a, b);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) fail('MatMul', 'batch dimensions do not broadcast', a, b);
    return [{ shape: [...batch, m, n], dtype: 'f32' }];
  },
};
