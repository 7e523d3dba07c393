/**
 * MatMul with sharded operands or an output past the binding limit, as 2-D block products. With
 * A' = op(A) `[M, K]` and B' = op(B) `[K, N]` (per batch element), the output is built in row blocks
 * along M; within one, each N range (B's shards when B is `[N, K]`: the LM head over vocabulary shards)
 * is the sum over the K ranges (the shards of whichever operand is stored with K as rows) of block
 * products. Blocks that are a whole shard are used in place; others are sliced out of the shards they
 * span. `[..., M, K]` against a 2-D right-hand side folds the batch into M; other batched products loop
 * over the (broadcast) batch.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtShape, sizeOf } from '../shape.js';
import { assemble, blockRows, call, colsOf, drop, join, rowsOf, view, type Block } from './blocks.js';
import { isShardedStorage, rowsPerBlock, uniformBlocks } from './storage.js';

/** One matrix of an operand: rows `[off, off + rows)` of its `[R, C]` view. */
interface Mat {
  t: BackendTensor;
  off: number;
  rows: number;
  cols: number;
}

/** The operand's shard boundaries within the matrix (blocks below the limit), relative to its first row. */
function ranges(m: Mat, limit: number, what: string): [number, number][] {
  if (!isShardedStorage(m.t.storage)) return [[0, m.rows]];
  const out: [number, number][] = [];
  for (const [s, e] of blockRows(m.t, limit, what)) {
    const a = Math.max(s, m.off);
    const b = Math.min(e, m.off + m.rows);
    if (a < b) out.push([a - m.off, b - m.off]);
  }
  return out;
}

function take(be: Backend, m: Mat, r0: number, r1: number, c0: number, c1: number): Block {
  return colsOf(be, rowsOf(be, m.t, m.off + r0, m.off + r1), c0, c1);
}

/** The common refinement of two partitions of `[0, n)`. */
function refine(a: [number, number][], b: [number, number][]): [number, number][] {
  const cuts = [...new Set([...a.flatMap(([s, e]) => [s, e]), ...b.flatMap(([s, e]) => [s, e])])].sort((x, y) => x - y);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < cuts.length; i++) out.push([cuts[i], cuts[i + 1]]);
  return out;
}

/** Row blocks `[start, end)` of op(A)·op(B) for one batch element, appended to `out`. */
function product(be: Backend, A: Mat, B: Mat, transA: boolean, transB: boolean, per: number, out: Block[], limit: number, what: string): void {
  const ranges_ = (m: Mat) => ranges(m, limit, what);
  const M = transA ? A.cols : A.rows;
  const K = transA ? A.rows : A.cols;
  const N = transB ? B.rows : B.cols;
  const mBase: [number, number][] = transA ? [[0, M]] : ranges_(A);
  const mBlocks = mBase.flatMap(([s, e]) => uniformBlocks(e - s, per).map(([x, n]): [number, number] => [s + x, s + x + n]));
  const nBlocks: [number, number][] = transB ? ranges_(B) : [[0, N]];
  const kBlocks = refine(transA ? ranges_(A) : [[0, K]], transB ? [[0, K]] : ranges_(B));
  for (const [m0, m1] of mBlocks) {
    const cols: Block[] = [];
    try {
      for (const [n0, n1] of nBlocks) {
        let acc: Block | null = null;
        for (const [k0, k1] of kBlocks) {
          const aBlk = transA ? take(be, A, k0, k1, m0, m1) : take(be, A, m0, m1, k0, k1);
          const bBlk = transB ? take(be, B, n0, n1, k0, k1) : take(be, B, k0, k1, n0, n1);
          let prod: BackendTensor;
          try {
            prod = call(be, 'MatMul', { a: aBlk.t, b: bBlk.t }, { transA, transB })[0];
          } finally {
            drop(be, aBlk);
            drop(be, bBlk);
          }
          if (acc) {
            const sum: BackendTensor = call(be, 'Binary', { a: acc.t, b: prod }, { op: 'add' })[0];
            drop(be, acc);
            be.free(prod.storage);
            acc = { t: sum, owned: true };
          } else acc = { t: prod, owned: true };
        }
        cols.push(acc ?? { t: call(be, 'Fill', {}, { shape: [m1 - m0, n1 - n0], dtype: 'f32', value: 0 })[0], owned: true });
      }
      out.push(join(be, cols.splice(0), 1));
    } finally {
      for (const c of cols) drop(be, c);
    }
  }
}

/** Linear batch index of an operand with batch dims `own` for the output batch position `idx` (broadcasting). */
function batchIndex(own: readonly number[], outBatch: readonly number[], idx: number): number {
  const coords: number[] = [];
  for (let i = outBatch.length - 1; i >= 0; i--) {
    coords.unshift(idx % outBatch[i]);
    idx = Math.floor(idx / outBatch[i]);
  }
  const lead = outBatch.length - own.length;
  let lin = 0;
  for (let i = 0; i < own.length; i++) lin = lin * own[i] + (own[i] === 1 ? 0 : coords[lead + i]);
  return lin;
}

/** Runs MatMul with sharded operands or output; returns the output storage. */
export function runMatMul(be: Backend, a: BackendTensor, b: BackendTensor, transA: boolean, transB: boolean, out: TensorInfo, limit: number, what: string): unknown {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) throw new ShapeError(`${what}: MatMul needs rank >= 2 operands (${fmtShape(a.shape)}, ${fmtShape(b.shape)})`);
  const N = out.shape[out.shape.length - 1];
  const per = rowsPerBlock(N, out.dtype, limit, what);
  const blocks: Block[] = [];
  const starts: number[] = [];
  const collect = (before: number, rowBase: number) => {
    let r = rowBase;
    for (let i = before; i < blocks.length; i++) {
      starts.push(r);
      r += blocks[i].t.shape[0];
    }
  };
  try {
    if (rb === 2 && !transA) {
      // [..., M, K] · 2-D: the batch folds into M
      const K = a.shape[ra - 1];
      const rows = sizeOf(a.shape) / Math.max(1, K);
      product(be, { t: view(a, [rows, K]), off: 0, rows, cols: K }, { t: b, off: 0, rows: b.shape[0], cols: b.shape[1] }, transA, transB, per, blocks, limit, what);
      collect(0, 0);
    } else {
      const outBatch = out.shape.slice(0, -2);
      const bA = a.shape.slice(0, -2);
      const bB = b.shape.slice(0, -2);
      const [ar, ac] = a.shape.slice(-2);
      const [br, bc] = b.shape.slice(-2);
      const M = out.shape[out.shape.length - 2];
      const count = sizeOf(outBatch);
      for (let i = 0; i < count; i++) {
        const before = blocks.length;
        const A: Mat = { t: a, off: batchIndex(bA, outBatch, i) * ar, rows: ar, cols: ac };
        const B: Mat = { t: b, off: batchIndex(bB, outBatch, i) * br, rows: br, cols: bc };
        product(be, A, B, transA, transB, per, blocks, limit, what);
        collect(before, i * M);
      }
    }
    return assemble(be, blocks.splice(0), starts, out.shape, out.dtype, limit);
  } finally {
    for (const blk of blocks) drop(be, blk);
  }
}
