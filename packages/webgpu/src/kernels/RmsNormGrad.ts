/** RMSNorm's fused input VJP: one row kernel writes dx and the row's r. */
import { sizeOf } from '@crossedit/core';
import { uniform } from '../uniforms.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

/** dx = r (dy w) - x r^3 mean((dy w) x), r = 1 / sqrt(mean(x^2) + eps), per row; also r. */
export const RmsNormGrad: GpuKernel<'RmsNormGrad'> = (ctx, { dy, x, weight }, { eps }, [ox, or]) => {
  const dx = ctx.alloc(ox);
  const r = ctx.alloc(or);
  const n = sizeOf(x.shape);
  if (n === 0) return [dx, r];
  const len = x.shape[x.shape.length - 1];
  const rows = n / len;
  const plan = planRows(ctx, rows, len);
  const body = () => rowKernel(
    plan,
    ({ LOOP, REDUCE, LEADER }) => `let base = row * u.len;
  var ss = 0.0; var sg = 0.0;
  ${LOOP('k')} { let v = X[base + k]; ss = ss + v * v; sg = sg + DY[base + k] * W[k] * v; }
  ${REDUCE('ss', 'f32', (a, b) => `${a} + ${b}`)}
  ${REDUCE('sg', 'f32', (a, b) => `${a} + ${b}`)}
  let r = 1.0 / sqrt(ss / f32(u.len) + u.eps);
  let m = sg / f32(u.len);
  let r3 = r * (r * r);
  ${LOOP('k')} { DX[base + k] = r * (DY[base + k] * W[k]) - X[base + k] * r3 * m; }
  if (${LEADER}) { R[row] = r; }`,
  );
  ctx.dispatch(
    {
      name: 'RmsNormGrad',
      key: `rmsnormgrad|${plan.kind}|${plan.wg}`,
      bindings: [
        { name: 'DY', elem: 'f32', access: 'read' },
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'W', elem: 'f32', access: 'read' },
        { name: 'DX', elem: 'f32', access: 'read_write' },
        { name: 'R', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len), uniform.f32('eps', eps)],
      body,
    },
    [dy.storage, x.storage, weight.storage, dx, r],
    plan.workgroups,
  );
  return [dx, r];
};
