import { sizeOf } from '@crossedit/core';
import { broadcastIndex } from '../storage.js';
import type { HostKernel } from './kernel.js';

/**
 * `c[cOff + i*N + j] += sum_k A[i,k] B[k,j]` for one batch with `A` row-major `[M, K]` and `B` row-major
 * `[K, N]`: an i-k-j loop (four k at a time) so the innermost loop streams rows of B and C.
 */
function gemmNN(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, cOff: number, M: number, N: number, K: number): void {
  const K4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const cr = cOff + i * N;
    const ar = aOff + i * K;
    let k = 0;
    for (; k < K4; k += 4) {
      const a0 = a[ar + k];
      const a1 = a[ar + k + 1];
      const a2 = a[ar + k + 2];
      const a3 = a[ar + k + 3];
      const b0 = bOff + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) c[cr + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
    for (; k < K; k++) {
      const a0 = a[ar + k];
      const b0 = bOff + k * N;
      for (let j = 0; j < N; j++) c[cr + j] += a0 * b[b0 + j];
    }
  }
}

/**
 * `C = A B^T` for one batch with `A` row-major `[M, K]` and `B` row-major `[N, K]`: dot products of
 * contiguous rows, four columns of C at a time.
 */
function gemmNT(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, cOff: number, M: number, N: number, K: number): void {
  const N4 = N - (N % 4);
  for (let i = 0; i < M; i++) {
    const ar = aOff + i * K;
    const cr = cOff + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      const b0 = bOff + j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[ar + k];
        s0 += av * b[b0 + k];
        s1 += av * b[b1 + k];
        s2 += av * b[b2 + k];
        s3 += av * b[b3 + k];
      }
      c[cr + j] = s0;
      c[cr + j + 1] = s1;
      c[cr + j + 2] = s2;
      c[cr + j + 3] = s3;
    }
    for (; j < N; j++) {
      const b0 = bOff + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ar + k] * b[b0 + k];
      c[cr + j] = s;
    }
  }
}

/** Copies the `[R, C]` matrix at `src[off..]` transposed into `dst` (`[C, R]`). */
function transposeInto(src: ArrayLike<number>, off: number, R: number, C: number, dst: Float64Array): void {
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) dst[c * R + r] = src[off + r * C + c];
}

/** The sizes of a batched matmul: `M`, `K`, `N`, each operand's batch dimensions and their broadcast `batch`. */
export interface MatmulGeometry {
  M: number;
  K: number;
  N: number;
  batchA: number[];
  batchB: number[];
  batch: number[];
}

/**
 * The sizes of `a @ b` for `a: [...batchA, M, K]` (`[..., K, M]` when `transA`) and `b: [...batchB, K, N]`
 * (`[..., N, K]` when `transB`), batch dimensions broadcast numpy-style: what both CPU GEMMs start from.
 */
export function matmulGeometry(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): MatmulGeometry {
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transB ? bShape[rb - 2] : bShape[rb - 1];
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const nb = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const da = batchA[batchA.length - nb + i] ?? 1;
    const db = batchB[batchB.length - nb + i] ?? 1;
    batch.push(da === 1 ? db : da);
  }
  return { M, K, N, batchA, batchB, batch };
}

/**
 * Batched matrix product in float64: `a: [...batchA, M, K]` (`[..., K, M]` when `transA`), `b: [...batchB,
 * K, N]` (`[..., N, K]` when `transB`); batch dimensions broadcast numpy-style. Returns `[...batch, M, N]`
 * row-major. With `K = 0` the result is zeros.
 *
 * @example
 * ```ts
 * matmulImpl(Float64Array.of(1, 2), [1, 2], Float64Array.of(3, 4), [2, 1], false, false); // [11]
 * ```
 */
export function matmulImpl(
  a: ArrayLike<number>,
  aShape: readonly number[],
  b: ArrayLike<number>,
  bShape: readonly number[],
  transA: boolean,
  transB: boolean,
): { data: Float64Array; shape: number[] } {
  const { M, K, N, batchA, batchB, batch } = matmulGeometry(aShape, bShape, transA, transB);
  const shape = [...batch, M, N];
  const c = new Float64Array(sizeOf(shape));
  const nBatch = sizeOf(batch);
  if (c.length === 0 || K === 0) return { data: c, shape };
  const ia = broadcastIndex(batchA, batch);
  const ib = broadcastIndex(batchB, batch);
  // a transposed A is copied to row-major [M, K] once per distinct batch entry
  const aT = transA ? new Float64Array(M * K) : null;
  let aTFor = -1;
  for (let t = 0; t < nBatch; t++) {
    const ba = ia ? ia[t] : t;
    const bb = ib ? ib[t] : t;
    let aSrc: ArrayLike<number> = a;
    let aOff = ba * M * K;
    if (aT) {
      if (aTFor !== ba) {
        transposeInto(a, aOff, K, M, aT);
        aTFor = ba;
      }
      aSrc = aT;
      aOff = 0;
    }
    const bOff = bb * K * N;
    if (transB) gemmNT(aSrc, aOff, b, bOff, c, t * M * N, M, N, K);
    else gemmNN(aSrc, aOff, b, bOff, c, t * M * N, M, N, K);
  }
  return { data: c, shape };
}

/** Batched matmul with transposes and broadcast batch dimensions (see {@link matmulImpl}). */
export const MatMul: HostKernel<'MatMul'> = ({ a, b }, { transA, transB }) => [
  matmulImpl(a.data, a.shape, b.data, b.shape, transA, transB).data,
];
