/** Argmax/argmin over one axis (first index on ties), as i32. */
import { normAxis, sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

/** Views x as `[outer, R, inner]` like Reduce; R is non-empty (the spec checks it). */
export const ArgReduce: GpuKernel<'ArgReduce'> = (ctx, { x }, { op, axis }, [out]) => {
  const y = ctx.alloc(out);
  const nOut = sizeOf(out.shape);
  if (nOut === 0) return [y];
  const ax = normAxis(axis, x.shape.length, op);
  const R = x.shape[ax];
  const inner = sizeOf(x.shape.slice(ax + 1));
  const T = wgslScalar(x.dtype);
  const better = op === 'argmax' ? '>' : '<';
  // b beats a: strictly better value, or equal value at a lower index
  const helpers = `
struct VI { v: ${T}, i: u32 }
fn pick(a: VI, b: VI) -> VI {
  if (b.v ${better} a.v || (b.v == a.v && b.i < a.i)) { return b; }
  return a;
}`;
  const bindings = [
    { name: 'X', elem: T, access: 'read' as const },
    { name: 'Y', elem: 'i32' as const, access: 'read_write' as const },
  ];
  if (inner === 1) {
    const plan = planRows(ctx, nOut, R);
    const body = rowKernel(
      plan,
      ({ LOOP, REDUCE, LEADER }) => `var best = VI(X[row * u.len], 0u);
  ${LOOP('k')} { best = pick(best, VI(X[row * u.len + k], k)); }
  ${REDUCE('best', 'VI', (a, b) => `pick(${a}, ${b})`)}
  if (${LEADER}) { Y[row] = i32(best.i); }`,
    );
    ctx.dispatch({ name: op, bindings, uniforms: [uniform.u32('rows', nOut), uniform.u32('len', R)], body: helpers + body }, [x.storage, y], plan.workgroups);
    return [y];
  }
  const body = `${helpers}
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let base = (i / u.inner) * u.len * u.inner + i % u.inner;
  var best = VI(X[base], 0u);
  for (var k = 1u; k < u.len; k++) { best = pick(best, VI(X[base + k * u.inner], k)); }
  Y[i] = i32(best.i);
}`;
  ctx.dispatch(
    { name: op, bindings, uniforms: [uniform.u32('n', nOut), uniform.u32('len', R), uniform.u32('inner', inner)], body },
    [x.storage, y],
    grid1d(ctx, nOut),
  );
  return [y];
};
