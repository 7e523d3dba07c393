/** One entry per row along the last axis. */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** y[r] = x[r, idx[r]]; an index outside [0, depth) reads 0. */
export const PickLast: GpuKernel<'PickLast'> = (ctx, { x, idx }, _attrs, [out]) => {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return [y];
  const depth = x.shape[x.shape.length - 1];
  const T = wgslScalar(out.dtype);
  const body = () => `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let k = idx[i];
  var v = ${T}(0);
  if (k >= 0 && u32(k) < u.depth) { v = X[i * u.depth + u32(k)]; }
  Y[i] = v;
}`;
  ctx.dispatch(
    {
      name: 'PickLast',
      key: `picklast|${T}`,
      bindings: [
        { name: 'X', elem: T, access: 'read' },
        { name: 'idx', elem: 'i32', access: 'read' },
        { name: 'Y', elem: T, access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('depth', depth)],
      body,
    },
    [x.storage, idx.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
