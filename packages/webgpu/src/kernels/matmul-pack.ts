/**
 * Copies a matmul operand into the k-major layout the dot4 kernel reads: `[batch, rows, K4]` with
 * `K4 = K` rounded up to a multiple of 4 and zeros in the padding. Element (r, k) of batch block b is
 * read at `b·batchStride + r·sR + k·sK` — so the same program transposes (A of `transA`, B without
 * `transB`) and pads.
 */
import { sizeOf, type TensorInfo } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS } from '../codegen.js';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';

/** Packs `batches` blocks of `rows × K` (strides sR, sK; blocks `batchStride` apart) into a new storage. */
export function packKMajor(
  ctx: GpuContext,
  src: GpuStorage,
  batches: number,
  batchStride: number,
  rows: number,
  K: number,
  sR: number,
  sK: number,
): GpuStorage {
  const K4 = Math.ceil(K / 4) * 4;
  const out: TensorInfo = { shape: [batches, rows, K4], dtype: 'f32' };
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let k = i % u.K4;
  let t = i / u.K4;
  let r = t % u.rows;
  let b = t / u.rows;
  var v = 0.0;
  if (k < u.K) { v = X[b * u.bs + r * u.sR + k * u.sK]; }
  Y[i] = v;
}`;
  ctx.dispatch(
    {
      name: 'MatMul(pack)',
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('K4', K4), uniform.u32('K', K), uniform.u32('rows', rows), uniform.u32('bs', batchStride), uniform.u32('sR', sR), uniform.u32('sK', sK)],
      body,
    },
    [src, y],
    grid1d(ctx, n),
  );
  return y;
}
