/**
 * Batched matmul with transposes and broadcast batch dimensions.
 *
 * - On devices with subgroups (and products of at least {@link DOT4_MIN_WORK} multiply-adds) the
 *   dot4 kernel runs (`matmul-dot4.ts`). It wants A as `[M, K]` and B as `[N, K]` with K % 4 == 0:
 *   that is the linear-layer case `x @ Wᵀ` as stored, read with no copy. Other layouts (B not
 *   transposed, A transposed, K not a multiple of 4) first copy the operand into that layout
 *   (`matmul-pack.ts`, ~2 loads/stores per element, small next to the product's M·N·K).
 * - Otherwise a portable 4×4-register-tile kernel reads both operands through strides
 *   (`matmul-tiled.ts`).
 * Either operand may be `f16` (a stored weight): every path widens its elements to f32 as it loads
 * them (a packed copy is f32) and accumulates in f32; the output is f32.
 */
import { sizeOf } from '@crossedit/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { DOT4_COLS, dot4GroupsAlongN, dot4Rows, matmulDot4Program } from './matmul-dot4.js';
import { matmulGeometry, type MatMulGeometry } from './matmul-geometry.js';
import { packKMajor } from './matmul-pack.js';
import { matmulTiledProgram, TILED_TILE } from './matmul-tiled.js';
import type { GpuKernel, GpuTensor } from './types.js';

export { matmulGeometry, type MatMulGeometry } from './matmul-geometry.js';

/** M·N·K below which the tiled kernel runs even when subgroups exist (it compiles faster; as fast there). */
export const DOT4_MIN_WORK = 1 << 20;

/** The plan of one call: which kernel, and which operands are packed first. */
export interface MatMulPlan {
  kernel: 'tiled' | 'dot4';
  packA: boolean;
  packB: boolean;
}

/** Chooses the kernel and the copies (exported for tests and benchmarks). */
export function planMatMul(ctx: GpuContext, g: MatMulGeometry): MatMulPlan {
  const subgroupsOk = ctx.caps.subgroups && ctx.caps.subgroupMinSize >= 8;
  if (!subgroupsOk || g.K === 0 || g.M * g.N * g.K < DOT4_MIN_WORK) return { kernel: 'tiled', packA: false, packB: false };
  const k4 = g.K % 4 === 0;
  return { kernel: 'dot4', packA: !(k4 && g.sAk === 1), packB: !(k4 && g.sBk === 1) };
}

/** Batch blocks of an operand and their stride, from its own shape (not the broadcast one). */
function operandBlocks(t: GpuTensor): { count: number; stride: number } {
  const r = t.shape.length;
  return { count: sizeOf(t.shape.slice(0, -2)), stride: t.shape[r - 2] * t.shape[r - 1] };
}

/** C = op(A) op(B). */
export const MatMul: GpuKernel<'MatMul'> = (ctx, { a, b }, { transA, transB }, [out]) => {
  const c = ctx.alloc(out);
  if (sizeOf(out.shape) === 0) return [c];
  let g = matmulGeometry(a.shape, b.shape, transA, transB);
  const plan = planMatMul(ctx, g);
  const nb = sizeOf(g.batch);
  const maxZ = ctx.caps.maxWorkgroupsPerDim;
  if (plan.kernel === 'tiled') {
    // with an empty inner dimension the loop does not run and the kernel writes zeros
    for (let z0 = 0; z0 < nb; z0 += maxZ) {
      ctx.dispatch(matmulTiledProgram(g, z0, a.dtype, b.dtype), [a.storage, b.storage, c], [Math.ceil(g.N / TILED_TILE), Math.ceil(g.M / TILED_TILE), Math.min(maxZ, nb - z0)]);
    }
    return [c];
  }
  const temps: GpuStorage[] = [];
  let aStore = a.storage;
  let bStore = b.storage;
  const K4 = Math.ceil(g.K / 4) * 4;
  if (plan.packA) {
    const blk = operandBlocks(a);
    aStore = packKMajor(ctx, a.storage, blk.count, blk.stride, g.M, g.K, g.sAm, g.sAk, a.dtype);
    temps.push(aStore);
  }
  if (plan.packB) {
    const blk = operandBlocks(b);
    bStore = packKMajor(ctx, b.storage, blk.count, blk.stride, g.N, g.K, g.sBn, g.sBk, b.dtype);
    temps.push(bStore);
  }
  // the kernel sees K4 and k-major operands; batch strides scale with the padded block size
  g = {
    ...g,
    K: K4,
    sAm: K4,
    sAk: 1,
    sBn: K4,
    sBk: 1,
    aBatchStrides: g.aBatchStrides.map((s) => (s / (g.M * g.K || 1)) * g.M * K4),
    bBatchStrides: g.bBatchStrides.map((s) => (s / (g.N * g.K || 1)) * g.N * K4),
  };
  const gn = dot4GroupsAlongN(g.N);
  const rows = dot4Rows(g.M);
  for (let z0 = 0; z0 < nb; z0 += maxZ) {
    ctx.dispatch(matmulDot4Program(g, z0, gn, rows, plan.packA ? 'f32' : a.dtype, plan.packB ? 'f32' : b.dtype), [aStore, bStore, c], [Math.ceil(g.N / (gn * DOT4_COLS)), Math.ceil(g.M / ((8 / gn) * rows)), Math.min(maxZ, nb - z0)]);
  }
  for (const t of temps) ctx.release(t);
  return [c];
};
