/**
 * Gather over a sharded table (the embedding lookup) and its adjoint ScatterAdd into a sharded output.
 * For the block of rows `[s, s + n)`, ids are shifted by `-s`; ids outside the block are masked: their
 * gathered rows are replaced by zero (a select, so no `0 · inf`), their scattered updates are zero.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtBytes, logicalBytes, shardBytes, isShardedStorage, rowsPerBlock, uniformBlocks } from './storage.js';
import { assemble, call, view, type Block } from './blocks.js';

/** Local ids and an in-block mask for rows `[start, start + rows)`: `[ids i32, mask f32 [...ids, 1]]`. */
function localIds(be: Backend, idsF: BackendTensor, start: number, rows: number): [BackendTensor, BackendTensor] {
  const scalar = (v: number) => call(be, 'Fill', {}, { shape: [], dtype: 'f32', value: v })[0];
  const tmp: BackendTensor[] = [];
  const keep = (t: BackendTensor) => (tmp.push(t), t);
  try {
    const local = keep(call(be, 'Binary', { a: idsF, b: keep(scalar(start)) }, { op: 'sub' })[0]);
    const ge = keep(call(be, 'Binary', { a: local, b: keep(scalar(0)) }, { op: 'ge' })[0]);
    const lt = keep(call(be, 'Binary', { a: local, b: keep(scalar(rows)) }, { op: 'lt' })[0]);
    const mask = call(be, 'Binary', { a: ge, b: lt }, { op: 'mul' })[0];
    const clamped = keep(call(be, 'Binary', { a: local, b: mask }, { op: 'mul' })[0]);
    const ids = call(be, 'Cast', { x: clamped }, { dtype: 'i32' })[0];
    return [ids, view(mask, [...idsF.shape, 1])];
  } finally {
    for (const t of tmp) be.free(t.storage);
  }
}

function eachBlock<T>(be: Backend, ids: BackendTensor, blocks: readonly [number, number][], f: (i: number, local: BackendTensor, mask: BackendTensor, zero: BackendTensor) => T): T[] {
  const idsF = call(be, 'Cast', { x: ids }, { dtype: 'f32' })[0];
  const zero = call(be, 'Fill', {}, { shape: [], dtype: 'f32', value: 0 })[0];
  try {
    return blocks.map(([s, n], i) => {
      const [local, mask] = localIds(be, idsF, s, n);
      try {
        return f(i, local, mask, zero);
      } finally {
        be.free(local.storage);
        be.free(mask.storage);
      }
    });
  } finally {
    be.free(idsF.storage);
    be.free(zero.storage);
  }
}

/** Gather from a sharded table: the sum over shards of the masked per-shard lookups. */
export function runGather(be: Backend, table: BackendTensor, ids: BackendTensor, out: TensorInfo, limit: number, what: string): unknown {
  if (isShardedStorage(ids.storage)) throw new ShapeError(`${what}: sharded ids are not supported`);
  if (shardBytes(out.shape, out.dtype) > limit) {
    throw new ShapeError(`${what}: the gathered rows ${out.dtype}[${out.shape.join(',')}] (${fmtBytes(logicalBytes(out.shape, out.dtype))}) pass the binding limit ${fmtBytes(limit)}; gather fewer ids at a time`);
  }
  if (!isShardedStorage(table.storage)) return call(be, 'Gather', { table, ids }, {})[0].storage;
  const width = table.shape[1];
  const shards = table.storage.shards;
  let acc: BackendTensor | null = null;
  eachBlock(be, ids, shards.map((s) => [s.start, s.rows]), (i, local, mask, zero) => {
    const st: BackendTensor = { storage: shards[i].storage, shape: [shards[i].rows, width], dtype: table.dtype };
    const g = call(be, 'Gather', { table: st, ids: local }, {})[0];
    const part = call(be, 'Where', { cond: mask, a: g, b: zero }, {})[0];
    be.free(g.storage);
    if (acc) {
      const sum = call(be, 'Binary', { a: acc, b: part }, { op: 'add' })[0];
      be.free(acc.storage);
      be.free(part.storage);
      acc = sum;
    } else acc = part;
  });
  return (acc as BackendTensor | null)?.storage ?? call(be, 'Fill', {}, { shape: out.shape, dtype: out.dtype, value: 0 })[0].storage;
}

/** ScatterAdd into an output past the limit: one scatter per block of output rows. */
export function runScatterAdd(be: Backend, updates: BackendTensor, ids: BackendTensor, numRows: number, out: TensorInfo, limit: number, what: string): unknown {
  if (isShardedStorage(updates.storage) || isShardedStorage(ids.storage)) throw new ShapeError(`${what}: sharded updates or ids are not supported`);
  const width = out.shape[1];
  const blocks = uniformBlocks(numRows, rowsPerBlock(width, out.dtype, limit, what));
  const parts: Block[] = eachBlock(be, ids, blocks, (i, local, mask, zero) => {
    const upd = call(be, 'Where', { cond: mask, a: updates, b: zero }, {})[0];
    try {
      return { t: call(be, 'ScatterAdd', { updates: upd, ids: local }, { numRows: blocks[i][1] })[0], owned: true };
    } finally {
      be.free(upd.storage);
    }
  });
  return assemble(be, parts, blocks.map(([s]) => s), out.shape, out.dtype, limit);
}
