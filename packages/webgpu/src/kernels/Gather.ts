/** Embedding lookup. */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar, widenF32 } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** y[n, d] = table[ids[n], d]; ids outside [0, V) read 0. An f16 table's rows are widened to f32. */
export const Gather: GpuKernel<'Gather'> = (ctx, { table, ids }, _attrs, [out]) => {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return [y];
  const [V, D] = table.shape;
  const T = wgslScalar(out.dtype);
  const TT = wgslScalar(table.dtype);
  const body = () => `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let id = ids[i / u.D];
  var v = ${T}(0);
  if (id >= 0 && u32(id) < u.V) { v = ${widenF32(table.dtype, 'table[u32(id) * u.D + i % u.D]')}; }
  Y[i] = v;
}`;
  ctx.dispatch(
    {
      name: 'Gather',
      key: `gather|${TT}|${T}`,
      bindings: [
        { name: 'table', elem: TT, access: 'read' },
        { name: 'ids', elem: 'i32', access: 'read' },
        { name: 'Y', elem: T, access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('D', D), uniform.u32('V', V)],
      body,
    },
    [table.storage, ids.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
