/**
 * Log-softmax + NLL fused, and its VJP: row kernels over the logits' last axis that never store the
 * log-softmax. The log-sum-exp is taken as LogSoftmax takes it (max-shifted, compensated sum), so the
 * values equal `-pickLast(logSoftmax(x), t)`; a target outside `[0, V)` gives 0 and no gradient (as
 * PickLast / PutLast read and write nothing there).
 */
import { sizeOf } from '@crossedit/core';
import { uniform } from '../uniforms.js';
import { SPECIAL_VALUES } from './common.js';
import { planRows, rowKernel, type Combine } from './rows.js';
import type { GpuKernel } from './types.js';

/** WGSL that leaves the row's max in `m` and `log(sum(exp(x - m)))` in `ls`, and the target in `t`/`ok`. */
function lseBody(LOOP: (k: string) => string, REDUCE: (v: string, type: string, c: Combine) => string): string {
  return `let base = row * u.len;
  let t = T[row];
  let ok = t >= 0 && u32(t) < u.len;
  var m = -f32_inf();
  ${LOOP('k')} { m = max(m, X[base + k]); }
  ${REDUCE('m', 'f32', (a, b) => `max(${a}, ${b})`)}
  var s = 0.0; var comp = 0.0;
  ${LOOP('k')} { let e = exp(X[base + k] - m) - comp; let z = s + e; comp = (z - s) - e; s = z; }
  ${REDUCE('s', 'f32', (a, b) => `${a} + ${b}`)}
  let ls = log(s);`;
}

/** nll[r] = -((x[r, t] - max) - log(sum(exp(x[r] - max)))). */
export const SoftmaxNll: GpuKernel<'SoftmaxNll'> = (ctx, { logits, targets }, _attrs, [out]) => {
  const y = ctx.alloc(out);
  const rows = sizeOf(targets.shape);
  const len = logits.shape[logits.shape.length - 1];
  if (rows === 0) return [y];
  const p = planRows(ctx, rows, len);
  const body = () =>
    SPECIAL_VALUES +
    rowKernel(
      p,
      ({ LOOP, REDUCE, LEADER }) => `${lseBody(LOOP, REDUCE)}
  if (${LEADER}) { Y[row] = select(0.0, -((X[base + u32(max(t, 0))] - m) - ls), ok); }`,
    );
  ctx.dispatch(
    {
      name: 'SoftmaxNll',
      key: `softmaxnll|${p.kind}|${p.wg}`,
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'T', elem: 'i32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len)],
      body,
    },
    [logits.storage, targets.storage, y],
    p.workgroups,
  );
  return [y];
};

/** dx[r, i] = dy[r] * (exp((x[r, i] - max) - ls) - [i = t[r]]). */
export const SoftmaxNllGrad: GpuKernel<'SoftmaxNllGrad'> = (ctx, { dy, logits, targets }, _attrs, [out]) => {
  const dx = ctx.alloc(out);
  const rows = sizeOf(targets.shape);
  const len = logits.shape[logits.shape.length - 1];
  if (rows === 0 || len === 0) return [dx];
  const p = planRows(ctx, rows, len);
  const body = () =>
    SPECIAL_VALUES +
    rowKernel(
      p,
      ({ LOOP, REDUCE }) => `${lseBody(LOOP, REDUCE)}
  let g = select(0.0, DY[row], ok);
  ${LOOP('k')} { DX[base + k] = g * (exp((X[base + k] - m) - ls) - select(0.0, 1.0, ok && u32(t) == k)); }`,
    );
  ctx.dispatch(
    {
      name: 'SoftmaxNllGrad',
      key: `softmaxnllgrad|${p.kind}|${p.wg}`,
      bindings: [
        { name: 'DY', elem: 'f32', access: 'read' },
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'T', elem: 'i32', access: 'read' },
        { name: 'DX', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len)],
      body,
    },
    [dy.storage, logits.storage, targets.storage, dx],
    p.workgroups,
  );
  return [dx];
};
