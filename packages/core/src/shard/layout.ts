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
import { assemble, blockRows, call, colsOf, drop, join, rowsOf, view, type Block } from './blocks.js';
import { runGather } from './gather.js';
import { isShardedStorage, rowsPerBlock, rowView, shardBytes, uniformBlocks } from './storage.js';

/** Slice of a sharded tensor whose box keeps every axis between the first and the last whole. */
export function runSlice(be: Backend, x: BackendTensor, begin: readonly number[], size: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  if (r < 2) throw new ShapeError(`${what}: slicing a sharded ${fmtShape(x.shape)} needs rank >= 2`);
  for (let i = 1; i < r - 1; i++) {
    if (begin[i] !== 0 || size[i] !== x.shape[i]) return sliceByRows(be, x, begin, size, out, limit, what);
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

/**
 * Any other box: each output row is one source row (of the `[R, C]` view) cut to the box's columns, so
 * blocks of output rows are gathers of their source rows followed by a column slice.
 */
function sliceByRows(be: Backend, x: BackendTensor, begin: readonly number[], size: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  const [, C] = rowView(x.shape);
  const outLead = size.slice(0, -1);
  const rows = sizeOf(outLead);
  const blocks = uniformBlocks(rows, rowsPerBlock(C, x.dtype, limit, what));
  const parts: Block[] = blocks.map(([r0, n]) => {
    const ids = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      let rem = r0 + k;
      let src = 0;
      let stride = 1;
      for (let i = r - 2; i >= 0; i--) {
        src += (begin[i] + (rem % outLead[i])) * stride;
        rem = Math.floor(rem / outLead[i]);
        stride *= x.shape[i];
      }
      ids[k] = src;
    }
    const idsT: BackendTensor = { storage: be.upload(ids, [n], 'i32'), shape: [n], dtype: 'i32' };
    const g: BackendTensor = { storage: runGather(be, view(x, rowView(x.shape)), idsT, { shape: [n, C], dtype: x.dtype }, limit, what), shape: [n, C], dtype: x.dtype };
    be.free(idsT.storage);
    return colsOf(be, { t: g, owned: true }, begin[r - 1], begin[r - 1] + size[r - 1]);
  });
  return assemble(be, parts, blocks.map(([s0]) => s0), out.shape, out.dtype, limit);
}

/** A permutation that keeps the last axis: each output row is one input row, gathered by index. */
function transposeRows(be: Backend, x: BackendTensor, perm: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  const [, C] = rowView(x.shape);
  const outLead = out.shape.slice(0, -1);
  // the input stride of each output lead axis
  const inStride: number[] = new Array<number>(r - 1).fill(1);
  for (let i = r - 3; i >= 0; i--) inStride[i] = inStride[i + 1] * x.shape[i + 1];
  const strides = outLead.map((_, j) => inStride[perm[j]]);
  const blocks = uniformBlocks(sizeOf(outLead), rowsPerBlock(C, x.dtype, limit, what));
  const parts: Block[] = blocks.map(([r0, n]) => {
    const ids = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      let rem = r0 + k;
      let src = 0;
      for (let j = outLead.length - 1; j >= 0; j--) {
        src += (rem % outLead[j]) * strides[j];
        rem = Math.floor(rem / outLead[j]);
      }
      ids[k] = src;
    }
    const idsT: BackendTensor = { storage: be.upload(ids, [n], 'i32'), shape: [n], dtype: 'i32' };
    try {
      return { t: { storage: runGather(be, view(x, rowView(x.shape)), idsT, { shape: [n, C], dtype: x.dtype }, limit, what), shape: [n, C], dtype: x.dtype }, owned: true };
    } finally {
      be.free(idsT.storage);
    }
  });
  return assemble(be, parts, blocks.map(([s0]) => s0), out.shape, out.dtype, limit);
}

/**
 * Transpose of a sharded tensor: a 2-D transpose from column slices of every shard, or, when the
 * permutation keeps leading axes in place (attention's `[B, S, H, Dh]` → `[B, H, S, Dh]`), the
 * contiguous slabs under those axes transposed a group at a time.
 */
export function runTranspose(be: Backend, x: BackendTensor, perm: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  if (r > 2 && perm[r - 1] === r - 1) return transposeRows(be, x, perm, out, limit, what);
  let p = 0;
  while (p < r && perm[p] === p) p++;
  if (p > 0) {
    // the smallest batch prefix whose slabs fit
    let q = 1;
    while (q < p && shardBytes(x.shape.slice(q), x.dtype) > limit) q++;
    const slabShape = x.shape.slice(q);
    if (shardBytes(slabShape, x.dtype) > limit) throw new ShapeError(`${what}: one ${fmtShape(slabShape)} slab of the sharded transpose passes the binding limit`);
    const slab = sizeOf(slabShape);
    const count = sizeOf(x.shape.slice(0, q));
    const group = Math.max(1, Math.floor(limit / Math.max(1, shardBytes(slabShape, x.dtype))));
    const blocks = uniformBlocks(count, group);
    const inner = [0, ...perm.slice(q).map((a) => a - q + 1)];
    const outC = rowView(out.shape)[1];
    const parts: Block[] = blocks.map(([b0, n]) => {
      const piece = rowsOf(be, view(x, [count, slab]), b0, b0 + n);
      const t = call(be, 'Transpose', { x: view(piece.t, [n, ...slabShape]) }, { perm: inner })[0];
      drop(be, piece);
      return { t, owned: true };
    });
    return assemble(be, parts, blocks.map(([b0]) => (b0 * slab) / outC), out.shape, out.dtype, limit);
  }
  if (r !== 2) throw new ShapeError(`${what}: a transpose of a sharded ${fmtShape(x.shape)} must keep its first axis or be 2-D (perm [${perm.join(',')}])`);
  const [R, C] = x.shape;
  const blocks = uniformBlocks(C, rowsPerBlock(R, x.dtype, limit, what));
  const parts: Block[] = blocks.map(([c0, n]) => {
    const pieces: Block[] = blockRows(x, limit, what).map(([s, e]) => {
      const cols = colsOf(be, rowsOf(be, x, s, e), c0, c0 + n);
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
  const ranges = blockRows(x, limit, what);
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

/**
 * Padding of middle axes (the gradient of a slice out of activations): each output row is a source row
 * (gathered) or zeros (selected away), then padded along the last axis.
 */
function padByRows(be: Backend, x: BackendTensor, before: readonly number[], after: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  const [, C] = rowView(x.shape);
  const outLead = out.shape.slice(0, -1);
  const rows = sizeOf(outLead);
  const blocks = uniformBlocks(rows, rowsPerBlock(Math.max(C, out.shape[r - 1]), x.dtype, limit, what));
  const zero = call(be, 'Fill', {}, { shape: [], dtype: x.dtype, value: 0 })[0];
  try {
    const parts: Block[] = blocks.map(([r0, n]) => {
      const ids = new Int32Array(n);
      const mask = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        let rem = r0 + k;
        let src = 0;
        let stride = 1;
        let ok = true;
        for (let i = r - 2; i >= 0; i--) {
          const c = (rem % outLead[i]) - before[i];
          rem = Math.floor(rem / outLead[i]);
          if (c < 0 || c >= x.shape[i]) ok = false;
          src += Math.min(Math.max(c, 0), x.shape[i] - 1) * stride;
          stride *= x.shape[i];
        }
        ids[k] = ok ? src : 0;
        mask[k] = ok ? 1 : 0;
      }
      const idsT: BackendTensor = { storage: be.upload(ids, [n], 'i32'), shape: [n], dtype: 'i32' };
      const maskT: BackendTensor = { storage: be.upload(mask, [n, 1], 'f32'), shape: [n, 1], dtype: 'f32' };
      try {
        const g: BackendTensor = { storage: runGather(be, view(x, rowView(x.shape)), idsT, { shape: [n, C], dtype: x.dtype }, limit, what), shape: [n, C], dtype: x.dtype };
        const sel = call(be, 'Where', { cond: maskT, a: g, b: zero }, {})[0];
        be.free(g.storage);
        const padded = call(be, 'Pad', { x: sel }, { before: [0, before[r - 1]], after: [0, after[r - 1]] })[0];
        be.free(sel.storage);
        return { t: padded, owned: true };
      } finally {
        be.free(idsT.storage);
        be.free(maskT.storage);
      }
    });
    return assemble(be, parts, blocks.map(([s0]) => s0), out.shape, out.dtype, limit);
  } finally {
    be.free(zero.storage);
  }
}

/** Zero padding into an output past the limit, when only the first and last axes are padded. */
export function runPad(be: Backend, x: BackendTensor, before: readonly number[], after: readonly number[], out: TensorInfo, limit: number, what: string): unknown {
  const r = x.shape.length;
  if (r < 2) throw new ShapeError(`${what}: padding into a sharded output needs rank >= 2`);
  if (before.some((b, i) => i > 0 && i < r - 1 && (b !== 0 || after[i] !== 0))) return padByRows(be, x, before, after, out, limit, what);
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

/** Rope over sharded activations `[B, S, H, Dh]`: blocks of whole tokens with their positions. */
export function runRope(be: Backend, x: BackendTensor, positions: BackendTensor, attrs: { base: number; inverse: boolean }, out: TensorInfo, limit: number, what: string): unknown {
  if (x.shape.length !== 4 || isShardedStorage(positions.storage)) throw new ShapeError(`${what}: Rope over sharded tensors needs x [B, S, H, Dh] and unsharded positions`);
  const [B, S, H, Dh] = x.shape;
  const tokens = B * S;
  const blocks = uniformBlocks(tokens, rowsPerBlock(H * Dh, x.dtype, limit, what));
  const parts: Block[] = blocks.map(([t0, n]) => {
    const xb = rowsOf(be, view(x, [tokens, H * Dh]), t0, t0 + n);
    const pb = rowsOf(be, view(positions, [tokens, 1]), t0, t0 + n);
    try {
      const y = call(be, 'Rope', { x: view(xb.t, [1, n, H, Dh]), positions: view(pb.t, [1, n]) }, attrs)[0];
      return { t: y, owned: true };
    } finally {
      drop(be, xb);
      drop(be, pb);
    }
  });
  return assemble(be, parts, blocks.map(([t0]) => t0 * H), out.shape, out.dtype, limit);
}
