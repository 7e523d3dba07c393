/**
 * Layout kernels over sharded tensors: Slice, Transpose (2-D) and Concat along the first axis, and the
 * non-last-axis reductions of the `[R, C]` view (a sum over a sharded weight's rows, e.g. a broadcast
 * gradient), all assembled from per-shard pieces.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { ReduceOp } from '../kernels/defs.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtShape, normAxis, sizeOf } from '../shape.js';
import { assemble, call, colsOf, drop, join, rowsOf, view, type Block } from './blocks.js';
import { isShardedStorage, rowsPerBlock, rowView, uniformBlocks } from './storage.js';

/** Slice of a sharded tensor whose box keeps every axis between the first and the last whole. */
export function runSlice(be: Backend, x: BackendTensor, begin: readonly number[], size: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  if (r < 2) throw new ShapeError(`${what}: slicing a sharded ${fmtShape(x.shape)} needs rank >= 2`);
  for (let i = 1; i < r - 1; i++) {
    if (begin[i] !== 0 || size[i] !== x.shape[i]) throw new ShapeError(`${what}: a slice of a sharded ${fmtShape(x.shape)} may cut only the first and last axes`);
  }
  const mid = sizeOf(x.shape.slice(1, -1));
  const off = begin[0] * mid;
  const rows = size[0] * mid;
  const c0 = begin[r - 1];
  const c1 = c0 + size[r - 1];
  const blocks = uniformBlocks(rows, rowsPerBlock(size[r - 1], x.dtype, limit, what));
  const parts: Block[] = blocks.map(([s, n]) => colsOf(be, rowsOf(be, x, off + s, off + s + n), c0, c1));
  return assemble(be, parts, blocks.map(([s]) => s), out.shape, out.dtype, limit);
}

/** Transpose of a sharded 2-D tensor: output row blocks from column slices of every shard. */
export function runTranspose(be: Backend, x: BackendTensor, perm: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  if (x.shape.length !== 2 || perm[0] !== 1) throw new ShapeError(`${what}: only a 2-D transpose of a sharded tensor is supported (got ${fmtShape(x.shape)}, perm [${perm.join(',')}])`);
  const [R, C] = x.shape;
  const blocks = uniformBlocks(C, rowsPerBlock(R, x.dtype, limit, what));
  const parts: Block[] = blocks.map(([c0, n]) => {
    const pieces: Block[] = (isShardedStorage(x.storage) ? x.storage.shards.map((s) => [s.start, s.rows]) : [[0, R]]).map(([s, k]) => {
      const cols = colsOf(be, rowsOf(be, x, s, s + k), c0, c0 + n);
      const t = call(be, 'Transpose', { x: cols.t }, { perm: [1, 0] })[0];
      drop(be, cols);
      return { t, owned: true };
    });
    return join(be, pieces, 1);
  });
  return assemble(be, parts, blocks.map(([s]) => s), out.shape, out.dtype, limit);
}

/** Concat along the first axis (of the `[R, C]` views) with sharded inputs or an output past the limit. */
export function runConcatRows(be: Backend, xs: readonly BackendTensor[], out: TensorInfo, limit: number, what: string): unknown {
  const [R, C] = rowView(out.shape);
  const offsets: number[] = [];
  let acc = 0;
  for (const x of xs) {
    offsets.push(acc);
    acc += rowView(x.shape)[0];
  }
  const blocks = uniformBlocks(R, rowsPerBlock(C, out.dtype, limit, what));
  const parts: Block[] = blocks.map(([r0, n]) => {
    const pieces: Block[] = [];
    xs.forEach((x, i) => {
      const a = Math.max(r0, offsets[i]);
      const b = Math.min(r0 + n, offsets[i] + rowView(x.shape)[0]);
      if (a < b) pieces.push(rowsOf(be, x, a - offsets[i], b - offsets[i]));
    });
    return join(be, pieces, 0);
  });
  return assemble(be, parts, blocks.map(([s]) => s), out.shape, out.dtype, limit);
}

const COMBINE: Record<ReduceOp, 'add' | 'max' | 'min'> = { sum: 'add', max: 'max', min: 'min' };

/**
 * A reduction over a non-last axis of a sharded tensor (a weight's rows, a broadcast batch axis), as
 * `[P, A, Q]` around the axis: when the axis is the last row axis its rows are contiguous and each
 * shard piece is reduced once, else the A row runs are combined elementwise block by block.
 */
export function runReduceRows(be: Backend, x: BackendTensor, op: ReduceOp, axis: number, out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  const ax = normAxis(axis, r, what);
  const C = x.shape[r - 1];
  const P = sizeOf(x.shape.slice(0, ax));
  const A = x.shape[ax];
  const qr = sizeOf(x.shape.slice(ax + 1, -1));
  const combine = (acc: BackendTensor | null, part: BackendTensor): BackendTensor => {
    if (!acc) return part;
    const next: BackendTensor = call(be, 'Binary', { a: acc, b: part }, { op: COMBINE[op] })[0];
    be.free(acc.storage);
    be.free(part.storage);
    return next;
  };
  const parts: Block[] = [];
  const starts: number[] = [];
  const ranges: [number, number][] = isShardedStorage(x.storage) ? x.storage.shards.map((s) => [s.start, s.start + s.rows]) : [[0, rowView(x.shape)[0]]];
  try {
    if (A === 0) throw new ShapeError(`${what}: reducing an empty axis of a sharded tensor`);
    for (let p = 0; p < P; p++) {
      if (qr === 1) {
        let acc: BackendTensor | null = null;
        for (const [s, e] of ranges) {
          const a = Math.max(s, p * A);
          const b = Math.min(e, (p + 1) * A);
          if (a >= b) continue;
          const piece = rowsOf(be, x, a, b);
          const red = call(be, 'Reduce', { x: piece.t }, { op, axis: 0, keepDims: true })[0];
          drop(be, piece);
          acc = combine(acc, red);
        }
        parts.push({ t: acc!, owned: true });
        starts.push(p);
      } else {
        for (const [q0, n] of uniformBlocks(qr, rowsPerBlock(C, x.dtype, limit, what))) {
          let acc: BackendTensor | null = null;
          for (let j = 0; j < A; j++) {
            const base = (p * A + j) * qr + q0;
            const piece = rowsOf(be, x, base, base + n);
            const own = piece.owned ? piece.t : call(be, 'Slice', { x: piece.t }, { begin: [0, 0], size: [...piece.t.shape] })[0];
            acc = combine(acc, own);
          }
          parts.push({ t: acc!, owned: true });
          starts.push(p * qr + q0);
        }
      }
    }
    return assemble(be, parts.splice(0), starts, out.shape, out.dtype, limit);
  } finally {
    for (const b of parts) drop(be, b);
  }
}

/** Zero padding into an output past the limit, when only the first and last axes are padded. */
export function runPad(be: Backend, x: BackendTensor, before: readonly number[], after: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  if (r < 2 || before.some((b, i) => i > 0 && i < r - 1 && (b !== 0 || after[i] !== 0))) {
    throw new ShapeError(`${what}: padding into a sharded output may pad only the first and last axes of a rank >= 2 tensor`);
  }
  const mid = sizeOf(x.shape.slice(1, -1));
  const [xr] = rowView(x.shape);
  const [R, C] = rowView(out.shape);
  const off = before[0] * mid;
  const blocks = uniformBlocks(R, rowsPerBlock(C, out.dtype, limit, what));
  const parts: Block[] = blocks.map(([r0, n]) => {
    const a = Math.min(Math.max(r0 - off, 0), xr);
    const b = Math.min(Math.max(r0 + n - off, 0), xr);
    const piece = rowsOf(be, x, a, Math.max(a, b));
    const top = Math.min(n, Math.max(0, a + off - r0));
    const padded = call(be, 'Pad', { x: piece.t }, { before: [top, before[r - 1]], after: [n - top - piece.t.shape[0], after[r - 1]] })[0];
    drop(be, piece);
    return { t: padded, owned: true };
  });
  return assemble(be, parts, blocks.map(([s]) => s), out.shape, out.dtype, limit);
}
