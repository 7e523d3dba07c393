/**
 * Top-k along the last axis by k selection passes per row: pass j finds the best element strictly
 * after the (j-1)-th in the order (value descending, index ascending). O(k·n) per row, meant for small k.
 */
import { sizeOf } from '@crossedit/core';
import { uniform } from '../uniforms.js';
import { SPECIAL_VALUES } from './common.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel } from './types.js';

const HELPERS = `
const NONE: u32 = 0xffffffffu;
struct VI { v: f32, i: u32 }
// b comes before a in the output order (NONE marks "no candidate yet")
fn pick(a: VI, b: VI) -> VI {
  if (b.i != NONE && (a.i == NONE || b.v > a.v || (b.v == a.v && b.i < a.i))) { return b; }
  return a;
}`;

/** values and i32 indices of the k largest entries per row, descending; ties keep the lower index. */
export const TopK: GpuKernel<'TopK'> = (ctx, { x }, { k }, outs) => {
  const vals = ctx.alloc(outs[0]);
  const idx = ctx.alloc(outs[1]);
  const n = sizeOf(outs[0].shape);
  if (n === 0) return [vals, idx];
  const len = x.shape[x.shape.length - 1];
  const rows = n / k;
  const plan = planRows(ctx, rows, len);
  const body = rowKernel(
    plan,
    ({ LOOP, REDUCE, LEADER }) => `let base = row * u.len;
  var prev = VI(f32_inf(), NONE);
  for (var j = 0u; j < u.k; j++) {
    var best = VI(0.0, NONE);
    ${LOOP('t')} {
      let v = X[base + t];
      // strictly after prev in the output order
      if (prev.i == NONE || v < prev.v || (v == prev.v && t > prev.i)) { best = pick(best, VI(v, t)); }
    }
    ${REDUCE('best', 'VI', (a, b) => `pick(${a}, ${b})`)}
    if (${LEADER}) { V[row * u.k + j] = best.v; I[row * u.k + j] = i32(best.i); }
    prev = best;
  }`,
  );
  ctx.dispatch(
    {
      name: 'TopK',
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'V', elem: 'f32', access: 'read_write' },
        { name: 'I', elem: 'i32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len), uniform.u32('k', k)],
      body: SPECIAL_VALUES + HELPERS + body,
    },
    [x.storage, vals, idx],
    plan.workgroups,
  );
  return [vals, idx];
};
