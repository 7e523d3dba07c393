/**
 * The adjoint of Gather. WGSL has no f32 atomics, so each update is added with a compare-exchange
 * loop on the f32 bits held in an `atomic<u32>`. The summation order between rows that hit the same
 * id is therefore not fixed: results agree with the CPU reference to f32 rounding, not bit for bit.
 */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { fillStorage, grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** out[v, d] = sum of updates[n, d] over n with ids[n] = v; ids outside [0, numRows) are skipped. */
export const ScatterAdd: GpuKernel<'ScatterAdd'> = (ctx, { updates, ids }, { numRows }, [out]) => {
  const y = ctx.alloc(out);
  fillStorage(ctx, y, sizeOf(out.shape), 0, 'f32');
  const n = sizeOf(updates.shape);
  if (n === 0 || sizeOf(out.shape) === 0) return [y];
  const D = updates.shape[updates.shape.length - 1];
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let id = ids[i / u.D];
  if (id < 0 || u32(id) >= u.rows) { return; }
  let v = updates[i];
  let j = u32(id) * u.D + i % u.D;
  var old = atomicLoad(&Y[j]);
  loop {
    let r = atomicCompareExchangeWeak(&Y[j], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`;
  ctx.dispatch(
    {
      name: 'ScatterAdd',
      bindings: [
        { name: 'updates', elem: 'f32', access: 'read' },
        { name: 'ids', elem: 'i32', access: 'read' },
        { name: 'Y', elem: 'atomic<u32>', access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('D', D), uniform.u32('rows', numRows)],
      body,
    },
    [updates.storage, ids.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
