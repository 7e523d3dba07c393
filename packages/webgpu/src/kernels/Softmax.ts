/** Softmax and log-softmax over the last axis, max-shifted for stability. */
import { sizeOf } from '@crossedit/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { uniform } from '../uniforms.js';
import { SPECIAL_VALUES } from './common.js';
import { planRows, rowKernel } from './rows.js';
import type { GpuKernel, GpuTensor } from './types.js';

function softmaxRows(ctx: GpuContext, x: GpuTensor, log: boolean): GpuStorage {
  const y = ctx.alloc({ shape: x.shape, dtype: 'f32' });
  const n = sizeOf(x.shape);
  const len = x.shape[x.shape.length - 1];
  if (n === 0) return y;
  const rows = n / len;
  const plan = planRows(ctx, rows, len);
  const body = () => SPECIAL_VALUES + rowKernel(
    plan,
    ({ LOOP, REDUCE }) => `let base = row * u.len;
  var m = -f32_inf();
  ${LOOP('k')} { m = max(m, X[base + k]); }
  ${REDUCE('m', 'f32', (a, b) => `max(${a}, ${b})`)}
  var s = 0.0; var comp = 0.0;
  ${LOOP('k')} { let t = exp(X[base + k] - m) - comp; let z = s + t; comp = (z - s) - t; s = z; }
  ${REDUCE('s', 'f32', (a, b) => `${a} + ${b}`)}
  ${log ? 'let ls = log(s);' : 'let inv = 1.0 / s;'}
  ${LOOP('k')} { Y[base + k] = ${log ? '(X[base + k] - m) - ls' : 'exp(X[base + k] - m) * inv'}; }`,
  );
  ctx.dispatch(
    {
      name: log ? 'LogSoftmax' : 'Softmax',
      key: `softmax|${log}|${plan.kind}|${plan.wg}`,
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('rows', rows), uniform.u32('len', len)],
      body,
    },
    [x.storage, y],
    plan.workgroups,
  );
  return y;
}

/** y = exp(x - max) / sum(exp(x - max)) per row. */
export const Softmax: GpuKernel<'Softmax'> = (ctx, { x }) => [softmaxRows(ctx, x, false)];

/** y = (x - max) - log(sum(exp(x - max))) per row; subtracting in that order keeps f32 precision for large logits. */
export const LogSoftmax: GpuKernel<'LogSoftmax'> = (ctx, { x }) => [softmaxRows(ctx, x, true)];
