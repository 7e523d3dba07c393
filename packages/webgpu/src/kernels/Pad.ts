/** Zero padding. */
import { sizeOf, stridesOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar } from '../codegen.js';
import { uniform, type UniformField } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** y = x surrounded by `before`/`after` zeros on each axis. */
export const Pad: GpuKernel<'Pad'> = (ctx, { x }, { before }, [out]) => {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return [y];
  const r = out.shape.length;
  const xs = stridesOf(x.shape);
  const uniforms: UniformField[] = [uniform.u32('n', n)];
  const lines: string[] = ['var rem = i;', 'var o = 0u;', 'var inside = true;'];
  for (let j = r - 1; j >= 0; j--) {
    uniforms.push(uniform.u32(`od${j}`, out.shape[j]), uniform.u32(`b${j}`, before[j]), uniform.u32(`xd${j}`, x.shape[j]), uniform.u32(`xs${j}`, xs[j]));
    // unsigned wrap-around makes coordinates left of the box huge, hence "outside"
    lines.push(`{ let c = rem % u.od${j} - u.b${j}; rem = rem / u.od${j}; inside = inside && c < u.xd${j}; o += c * u.xs${j}; }`);
  }
  const T = wgslScalar(out.dtype);
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  ${lines.join('\n  ')}
  var v = ${T}(0);
  if (inside && ${sizeOf(x.shape) > 0}) { v = X[o]; }
  Y[i] = v;
}`;
  ctx.dispatch(
    {
      name: 'Pad',
      bindings: [
        { name: 'X', elem: T, access: 'read' },
        { name: 'Y', elem: T, access: 'read_write' },
      ],
      uniforms,
      body,
    },
    [x.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
