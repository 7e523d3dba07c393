/** The adjoint of PickLast, computed per output element (no scatter). */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** y[r, j] = j == idx[r] ? values[r] : 0. */
export const PutLast: GpuKernel<'PutLast'> = (ctx, { values, idx }, { depth }, [out]) => {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return [y];
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let r = i / u.depth;
  Y[i] = select(0.0, V[r], idx[r] == i32(i % u.depth));
}`;
  ctx.dispatch(
    {
      name: 'PutLast',
      bindings: [
        { name: 'V', elem: 'f32', access: 'read' },
        { name: 'idx', elem: 'i32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('depth', depth)],
      body,
    },
    [values.storage, idx.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
