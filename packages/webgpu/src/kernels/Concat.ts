/** Concatenation: one copy dispatch per input into its column range of the output. */
import { normAxis, sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/**
 * Views the output as `[outer, total * inner]` and each input as `[outer, len_i * inner]`; input i
 * lands at column offset `sum_{j<i} len_j * inner`.
 */
export const Concat: GpuKernel<'Concat'> = (ctx, { xs }, { axis }, [out]) => {
  const y = ctx.alloc(out);
  if (sizeOf(out.shape) === 0) return [y];
  const ax = normAxis(axis, out.shape.length, 'Concat');
  const outer = sizeOf(out.shape.slice(0, ax));
  const inner = sizeOf(out.shape.slice(ax + 1));
  const W = out.shape[ax] * inner;
  const T = wgslScalar(out.dtype);
  let offset = 0;
  for (const x of xs) {
    const w = x.shape[ax] * inner;
    const n = outer * w;
    if (n > 0) {
      const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  Y[(i / u.w) * u.W + u.offset + i % u.w] = X[i];
}`;
      ctx.dispatch(
        {
          name: 'Concat',
          bindings: [
            { name: 'X', elem: T, access: 'read' },
            { name: 'Y', elem: T, access: 'read_write' },
          ],
          uniforms: [uniform.u32('n', n), uniform.u32('w', w), uniform.u32('W', W), uniform.u32('offset', offset)],
          body,
        },
        [x.storage, y],
        grid1d(ctx, n),
      );
    }
    offset += w;
  }
  return [y];
};
