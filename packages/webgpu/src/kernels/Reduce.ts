/** Sum/max/min over one axis. */
import { normAxis, sizeOf, type ReduceOp } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { fillStorage, grid1d, SPECIAL_VALUES } from './common.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

function initOf(op: ReduceOp, T: 'f32' | 'i32'): string {
  if (op === 'sum') return `${T}(0)`;
  if (T === 'i32') return op === 'max' ? 'i32(-2147483647 - 1)' : 'i32(2147483647)';
  return op === 'max' ? '-f32_inf()' : 'f32_inf()';
}

function combineOf(op: ReduceOp): (a: string, b: string) => string {
  return op === 'sum' ? (a, b) => `${a} + ${b}` : (a, b) => `${op}(${a}, ${b})`;
}

/** The identity of a reduction on an empty axis (sum 0, max -inf, min +inf; i32 extremes). */
export function emptyValue(op: ReduceOp, dtype: 'f32' | 'i32'): number {
  if (op === 'sum') return 0;
  if (dtype === 'i32') return op === 'max' ? -2147483648 : 2147483647;
  return op === 'max' ? -Infinity : Infinity;
}

/**
 * Views x as `[outer, R, inner]`. With `inner == 1` rows are reduced by the row strategies of
 * `rows.ts` (f32 sums are compensated, Kahan); otherwise one invocation per output walks its column.
 */
export const Reduce: GpuKernel<'Reduce'> = (ctx, { x }, { op, axis }, [out]) => {
  const y = ctx.alloc(out);
  const nOut = sizeOf(out.shape);
  if (nOut === 0) return [y];
  const ax = normAxis(axis, x.shape.length, 'Reduce');
  const R = x.shape[ax];
  const inner = sizeOf(x.shape.slice(ax + 1));
  const T: 'f32' | 'i32' = x.dtype === 'i32' ? 'i32' : 'f32'; // f16 inputs are refused by the engine
  if (R === 0) {
    fillStorage(ctx, y, nOut, emptyValue(op, T), x.dtype);
    return [y];
  }
  const init = initOf(op, T);
  const combine = combineOf(op);
  const kahan = op === 'sum' && T === 'f32';
  const bindings = [
    { name: 'X', elem: T, access: 'read' as const },
    { name: 'Y', elem: T, access: 'read_write' as const },
  ];
  if (inner === 1) {
    const plan = planRows(ctx, nOut, R);
    const body = () => SPECIAL_VALUES + rowKernel(plan, ({ LOOP, REDUCE, LEADER }) =>
      kahan
        ? `var acc = 0.0; var comp = 0.0;
  ${LOOP('k')} { let t = X[row * u.len + k] - comp; let s = acc + t; comp = (s - acc) - t; acc = s; }
  ${REDUCE('acc', 'f32', combine)}
  if (${LEADER}) { Y[row] = acc; }`
        : `var acc = ${init};
  ${LOOP('k')} { acc = ${combine('acc', 'X[row * u.len + k]')}; }
  ${REDUCE('acc', T, combine)}
  if (${LEADER}) { Y[row] = acc; }`,
    );
    ctx.dispatch(
      { name: `Reduce(${op})`, key: `reduce-rows|${op}|${T}|${plan.kind}|${plan.wg}`, bindings, uniforms: [uniform.u32('rows', nOut), uniform.u32('len', R)], body },
      [x.storage, y],
      plan.workgroups,
    );
    return [y];
  }
  const body = () => `${SPECIAL_VALUES}
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let base = (i / u.inner) * u.len * u.inner + i % u.inner;
  ${
    kahan
      ? `var acc = 0.0; var comp = 0.0;
  for (var k = 0u; k < u.len; k++) { let t = X[base + k * u.inner] - comp; let s = acc + t; comp = (s - acc) - t; acc = s; }`
      : `var acc = ${init};
  for (var k = 0u; k < u.len; k++) { acc = ${combine('acc', 'X[base + k * u.inner]')}; }`
  }
  Y[i] = acc;
}`;
  ctx.dispatch(
    { name: `Reduce(${op})`, key: `reduce-cols|${op}|${T}`, bindings, uniforms: [uniform.u32('n', nOut), uniform.u32('len', R), uniform.u32('inner', inner)], body },
    [x.storage, y],
    grid1d(ctx, nOut),
  );
  return [y];
};
