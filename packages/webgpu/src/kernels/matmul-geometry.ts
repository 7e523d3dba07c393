/** Shapes, strides and batch offsets of one matmul call. */
import { broadcastShapes, broadcastStrides } from '@crossedit/core';
import { collapseDims, offsetsCode } from '../codegen.js';
import { uniform, type UniformField } from '../uniforms.js';

/**
 * `C[b] = A[b] B[b]` with A(m, k) at `oa + m·sAm + k·sAk` and B(k, n) at `ob + n·sBn + k·sBk`, where
 * `oa`/`ob` come from the output batch index through the (broadcast) batch strides.
 */
export interface MatMulGeometry {
  M: number;
  N: number;
  K: number;
  sAm: number;
  sAk: number;
  sBn: number;
  sBk: number;
  /** Output batch shape. */
  batch: number[];
  /** Element strides of A's and B's batch blocks over the output batch shape (0 where broadcast). */
  aBatchStrides: number[];
  bBatchStrides: number[];
}

/** Works out M, N, K, operand strides and batch strides from the operand shapes. */
export function matmulGeometry(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): MatMulGeometry {
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transB ? bShape[rb - 2] : bShape[rb - 1];
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch) ?? [];
  return {
    M,
    N,
    K,
    sAm: transA ? 1 : K,
    sAk: transA ? M : 1,
    sBn: transB ? K : 1,
    sBk: transB ? 1 : N,
    batch,
    aBatchStrides: broadcastStrides(aBatch, batch).map((s) => s * M * K),
    bBatchStrides: broadcastStrides(bBatch, batch).map((s) => s * K * N),
  };
}

/** WGSL that sets `oa` and `ob` from the output batch index `bz`, and its uniforms. */
export function batchOffsets(g: MatMulGeometry): { code: string; uniforms: UniformField[] } {
  const c = collapseDims(g.batch, [g.aBatchStrides, g.bBatchStrides]);
  return offsetsCode('bz', c.shape, c.strides, ['oa', 'ob'], 'z');
}

/** Uniforms every matmul program has. */
export function matmulUniforms(g: MatMulGeometry, zBase: number): UniformField[] {
  return [
    uniform.u32('M', g.M),
    uniform.u32('N', g.N),
    uniform.u32('K', g.K),
    uniform.u32('sAm', g.sAm),
    uniform.u32('sAk', g.sAk),
    uniform.u32('sBn', g.sBn),
    uniform.u32('sBk', g.sBk),
    uniform.u32('zBase', zBase),
  ];
}
