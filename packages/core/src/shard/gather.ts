/**
 * Gather over a sharded table (the embedding lookup) and its adjoint ScatterAdd into a sharded output.
 * For the block of rows `[s, s + n)`, ids are shifted by `-s`; ids outside the block are masked: their
 * gathered rows are replaced by zero (a select, so no `0 · inf`), their scattered updates are zero.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { TensorInfo } from '../kernels/spec.js';
import { isShardedStorage, rowsPerBlock, shardBytes, uniformBlocks } from './storage.js';
import { assemble, blockRows, call, drop, rowsOf, view, type Block } from './blocks.js';
import { sizeOf } from '../shape.js';

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

/** The masked per-range lookups of `ids` (flat, i32) in the rows `ranges` of a sharded table, summed. */
function maskedGather(be: Backend, table: BackendTensor, ranges: [number, number][], ids: BackendTensor): BackendTensor {
  let acc: BackendTensor | null = null;
  eachBlock(be, ids, ranges.map(([s, e]) => [s, e - s]), (i, local, mask, zero) => {
    const piece = rowsOf(be, table, ranges[i][0], ranges[i][1]);
    const g = call(be, 'Gather', { table: piece.t, ids: local }, {})[0];
    drop(be, piece);
    const part = call(be, 'Where', { cond: mask, a: g, b: zero }, {})[0];
    be.free(g.storage);
    if (acc) {
      const sum = call(be, 'Binary', { a: acc, b: part }, { op: 'add' })[0];
      be.free(acc.storage);
      be.free(part.storage);
      acc = sum;
    } else acc = part;
  });
  return acc as BackendTensor | null ?? call(be, 'Fill', {}, { shape: [...ids.shape, table.shape[1]], dtype: 'f32', value: 0 })[0];
}

/** Ids `[a, b)` of the flattened ids, as an `[b - a]` block. */
function idsOf(be: Backend, ids: BackendTensor, a: number, b: number): Block {
  const n = sizeOf(ids.shape);
  const blk = rowsOf(be, view(ids, [n, 1]), a, b);
  return { t: view(blk.t, [b - a]), owned: blk.owned };
}

/**
 * Gather with a sharded table and/or an output past the limit: output row blocks over the flattened
 * ids, each the masked sum over the table's shards (or one lookup in an unsharded table).
 */
export function runGather(be: Backend, table: BackendTensor, ids: BackendTensor, out: TensorInfo, limit: number, what: string): unknown {
  if (isShardedStorage(ids.storage)) throw new ShapeError(`${what}: sharded ids are not supported`);
  const n = sizeOf(ids.shape);
  const width = table.shape[1];
  const idRanges = shardBytes(out.shape, out.dtype) <= limit ? [[0, n] as [number, number]] : uniformBlocks(n, rowsPerBlock(width, out.dtype, limit, what)).map(([s, k]): [number, number] => [s, s + k]);
  const tableRanges = isShardedStorage(table.storage) ? blockRows(table, limit, what) : null;
  const parts: Block[] = idRanges.map(([a, b]) => {
    const idb = idsOf(be, ids, a, b);
    try {
      const g = tableRanges ? maskedGather(be, table, tableRanges, idb.t) : call(be, 'Gather', { table, ids: idb.t }, {})[0];
      return { t: view(g, [b - a, width]), owned: true };
    } finally {
      drop(be, idb);
    }
  });
  return assemble(be, parts, idRanges.map(([s]) => s), out.shape, out.dtype, limit);
}

/**
 * ScatterAdd into an output past the limit and/or from sharded updates: for each block of output rows,
 * the sum over blocks of updates of their masked scatters.
 */
export function runScatterAdd(be: Backend, updates: BackendTensor, ids: BackendTensor, numRows: number, out: TensorInfo, limit: number, what: string): unknown {
  if (isShardedStorage(ids.storage)) throw new ShapeError(`${what}: sharded ids are not supported`);
  const n = sizeOf(ids.shape);
  const width = out.shape[1];
  const updRanges = isShardedStorage(updates.storage) ? blockRows(view(updates, [n, width]), limit, what) : [[0, n] as [number, number]];
  const outBlocks = shardBytes(out.shape, out.dtype) <= limit ? [[0, numRows] as [number, number]] : uniformBlocks(numRows, rowsPerBlock(width, out.dtype, limit, what));
  const parts: Block[] = [];
  try {
    for (const [s, rows] of outBlocks) {
      let acc: BackendTensor | null = null;
      for (const [a, b] of updRanges) {
        const idb = idsOf(be, ids, a, b);
        const ub = rowsOf(be, view(updates, [n, width]), a, b);
        try {
          eachBlock(be, idb.t, [[s, rows]], (_i, local, mask, zero) => {
            const upd = call(be, 'Where', { cond: mask, a: ub.t, b: zero }, {})[0];
            const sc = call(be, 'ScatterAdd', { updates: upd, ids: local }, { numRows: rows })[0];
            be.free(upd.storage);
            if (acc) {
              const sum = call(be, 'Binary', { a: acc, b: sc }, { op: 'add' })[0];
              be.free(acc.storage);
              be.free(sc.storage);
              acc = sum;
            } else acc = sc;
          });
        } finally {
          drop(be, idb);
          drop(be, ub);
        }
      }
      parts.push({ t: (acc as BackendTensor | null) ?? call(be, 'Fill', {}, { shape: [rows, width], dtype: 'f32', value: 0 })[0], owned: true });
    }
    return assemble(be, parts.splice(0), outBlocks.map(([st]) => st), out.shape, out.dtype, limit);
  } finally {
    for (const p of parts) drop(be, p);
  }
}
