/** RMSNorm over the last axis. */
import { sizeOf } from '@crossedit/core';
import { uniform } from '../uniforms.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

/** y = x * rsqrt(mean(x^2) + eps) * weight (sum of squares compensated). */
export const RmsNorm: GpuKernel<'RmsNorm'> = (ctx, { x, weight }, { eps }, [out]) => {
  const y = ctx.alloc(out);
  const n = sizeOf(x.shape);
  if (n === 0) return [y];
  const len = x.shape[x.shape.length - 1];
  const rows = n / len;
  const plan = planRows(ctx, rows, len);
  const body = () => rowKernel(
    plan,
    ({ LOOP, REDUCE }) => `let base = row * u.len;
  var ss = 0.0; var comp = 0.0;
  ${LOOP('k')} { let v = X[base + k]; let t = v * v - comp; let z = ss + t; comp = (z - ss) - t; ss = z; }
  ${REDUCE('ss', 'f32', (a, b) => `${a} + ${b}`)}
  let r = 1.0 / sqrt(ss / f32(u.len) + u.eps);
  ${LOOP('k')} { Y[base + k] = X[base + k] * r * W[k]; }`,
  );
  ctx.dispatch(
    {
      name: 'RmsNorm',
      key: `rmsnorm|${plan.kind}|${plan.wg}`,
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'W', elem: 'f32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len), uniform.f32('eps', eps)],
      body,
    },
    [x.storage, weight.storage, y],
    plan.workgroups,
  );
  return [y];
};
