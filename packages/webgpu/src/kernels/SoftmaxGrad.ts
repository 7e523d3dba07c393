/** Softmax's fused VJP over the last axis: one row kernel, dx = y * (dy - sum(dy * y)). */
import { sizeOf } from '@crossedit/core';
import { uniform } from '../uniforms.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

/** dx = y * (dy - sum(dy * y)) per row. */
export const SoftmaxGrad: GpuKernel<'SoftmaxGrad'> = (ctx, { dy, y }, _attrs, [out]) => {
  const dx = ctx.alloc(out);
  const n = sizeOf(y.shape);
  const len = y.shape[y.shape.length - 1];
  if (n === 0) return [dx];
  const rows = n / len;
  const plan = planRows(ctx, rows, len);
  const body = () =>
    rowKernel(
      plan,
      ({ LOOP, REDUCE }) => `let base = row * u.len;
  var s = 0.0;
  ${LOOP('k')} { s = s + DY[base + k] * Y[base + k]; }
  ${REDUCE('s', 'f32', (a, b) => `${a} + ${b}`)}
  ${LOOP('k')} { DX[base + k] = Y[base + k] * (DY[base + k] - s); }`,
    );
  ctx.dispatch(
    {
      name: 'SoftmaxGrad',
      key: `softmaxgrad|${plan.kind}|${plan.wg}`,
      bindings: [
        { name: 'DY', elem: 'f32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read' },
        { name: 'DX', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len)],
      body,
    },
    [dy.storage, y.storage, dx],
    plan.workgroups,
  );
  return [dx];
};
