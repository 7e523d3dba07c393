/** The fused Adam update: one elementwise program writes the parameter and both moments. */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, LINEAR_PARAMS, linearIndex } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** [next, m', v'] from param, grad, m, v (see the kernel table); the step's numbers are uniforms. */
export const AdamStep: GpuKernel<'AdamStep'> = (ctx, { param, grad, m, v }, a, [o0, o1, o2]) => {
  const next = ctx.alloc(o0);
  const mo = ctx.alloc(o1);
  const vo = ctx.alloc(o2);
  const n = sizeOf(param.shape);
  if (n === 0) return [next, mo, vo];
  const coupled = a.weightDecay !== 0 && !a.decoupled;
  const shrink = a.weightDecay !== 0 && a.decoupled ? 1 - a.lr * a.weightDecay : 1;
  const body = () => `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let g = ${coupled ? 'G[i] + P[i] * u.wd' : 'G[i]'};
  let mi = M[i] * u.b1 + g * u.c1;
  let vi = V[i] * u.b2 + g * g * u.c2;
  MO[i] = mi;
  VO[i] = vi;
  NEXT[i] = P[i] * u.shrink - (mi / (sqrt(vi) / u.sqrtBc2 + u.eps)) * u.step;
}`;
  ctx.dispatch(
    {
      name: 'AdamStep',
      key: `adam|${coupled}`,
      bindings: [
        { name: 'P', elem: 'f32', access: 'read' },
        { name: 'G', elem: 'f32', access: 'read' },
        { name: 'M', elem: 'f32', access: 'read' },
        { name: 'V', elem: 'f32', access: 'read' },
        { name: 'NEXT', elem: 'f32', access: 'read_write' },
        { name: 'MO', elem: 'f32', access: 'read_write' },
        { name: 'VO', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [
        uniform.u32('n', n),
        uniform.f32('b1', a.beta1),
        uniform.f32('c1', 1 - a.beta1),
        uniform.f32('b2', a.beta2),
        uniform.f32('c2', 1 - a.beta2),
        uniform.f32('eps', a.eps),
        uniform.f32('sqrtBc2', a.sqrtBc2),
        uniform.f32('step', a.stepSize),
        uniform.f32('wd', a.weightDecay),
        uniform.f32('shrink', shrink),
      ],
      body,
    },
    [param.storage, grad.storage, m.storage, v.storage, next, mo, vo],
    grid1d(ctx, n),
  );
  return [next, mo, vo];
};
