/**
 * Block helpers of the sharded kernels: backend calls on plain storages (shape rules from the kernel
 * specs), row ranges of a possibly sharded operand, and assembling row blocks into an output.
 */
import type { Backend, BackendTensor } from '../backend.js';
import type { DType } from '../dtype.js';
import { KERNEL_SPECS } from '../kernels/index.js';
import type { KernelAttrs, KernelInputs, KernelName } from '../kernels/defs.js';
import type { TensorInfo } from '../kernels/spec.js';
import type { Shape } from '../shape.js';
import { alignedRows, isShardedStorage, rowsPerBlock, rowView, shardBytes, ShardedStorage, uniformBlocks, type Shard } from './storage.js';

/** A block as the helpers pass it: a backend tensor and whether the helper owns (must free) it. */
export interface Block {
  readonly t: BackendTensor;
  readonly owned: boolean;
}

/** Runs one kernel on plain (unsharded) storages; outputs inferred by the kernel's spec. */
export function call<K extends KernelName>(be: Backend, kernel: K, inputs: KernelInputs<K, BackendTensor>, attrs: KernelAttrs<K>): BackendTensor[] {
  const infos = (KERNEL_SPECS[kernel].infer as (i: unknown, a: unknown) => TensorInfo[])(inputs, attrs);
  const storages = (be.run as (k: K, i: unknown, a: unknown, o: readonly TensorInfo[]) => unknown[])(kernel, inputs, attrs, infos);
  return storages.map((storage, i) => ({ storage, shape: infos[i].shape, dtype: infos[i].dtype }));
}

/** The same storage under another shape of equal size (backends hold dense row-major data). */
export function view(t: BackendTensor, shape: Shape): BackendTensor {
  return { storage: t.storage, shape, dtype: t.dtype };
}

/** Frees a block if the helper owns it. */
export function drop(be: Backend, b: Block): void {
  if (b.owned) be.free(b.t.storage);
}

/**
 * Row ranges `[start, end)` to process `t`'s `[R, C]` view in: its shards' rows when their boundaries
 * fall between rows (no copies), else blocks below the limit (sliced out of the shards they span).
 */
export function blockRows(t: BackendTensor, limit: number, what: string): [number, number][] {
  const [r, c] = rowView(t.shape);
  return alignedRows(t.storage, r, c) ?? uniformBlocks(r, rowsPerBlock(c, t.dtype, limit, what)).map(([s, n]): [number, number] => [s, s + n]);
}

/** Rows `[r0, r1)` of `t`'s `[R, C]` view, as a `[r1 - r0, C]` block (sliced and joined across shards). */
export function rowsOf(be: Backend, t: BackendTensor, r0: number, r1: number): Block {
  const [r, c] = rowView(t.shape);
  if (!isShardedStorage(t.storage)) {
    const whole = view(t, [r, c]);
    if (r0 === 0 && r1 === r) return { t: whole, owned: false };
    return { t: call(be, 'Slice', { x: whole }, { begin: [r0, 0], size: [r1 - r0, c] })[0], owned: true };
  }
  const e0 = r0 * c;
  const e1 = r1 * c;
  const parts: Block[] = [];
  for (const s of t.storage.shards) {
    const a = Math.max(e0, s.offset);
    const b = Math.min(e1, s.offset + s.size);
    if (a >= b) continue;
    const flat: BackendTensor = { storage: s.storage, shape: [s.size], dtype: t.dtype };
    if (a === s.offset && b === s.offset + s.size) parts.push({ t: flat, owned: false });
    else parts.push({ t: call(be, 'Slice', { x: flat }, { begin: [a - s.offset], size: [b - a] })[0], owned: true });
  }
  if (parts.length === 0) return { t: call(be, 'Fill', {}, { shape: [0, c], dtype: t.dtype, value: 0 })[0], owned: true };
  const joined = parts.length === 1 ? parts[0] : { t: call(be, 'Concat', { xs: parts.map((p) => p.t) }, { axis: 0 })[0], owned: true };
  if (parts.length > 1) for (const p of parts) drop(be, p);
  return { t: view(joined.t, [r1 - r0, c]), owned: joined.owned };
}

/** Columns `[c0, c1)` of a 2-D block (the block itself when that is all of it; `b` is consumed). */
export function colsOf(be: Backend, b: Block, c0: number, c1: number): Block {
  const [r, c] = b.t.shape;
  if (c0 === 0 && c1 === c) return b;
  const out = call(be, 'Slice', { x: b.t }, { begin: [0, c0], size: [r, c1 - c0] })[0];
  drop(be, b);
  return { t: out, owned: true };
}

/** Joins 2-D blocks along an axis (consumes them; a single block is returned as is). */
export function join(be: Backend, parts: Block[], axis: 0 | 1): Block {
  if (parts.length === 1) return parts[0];
  const out = call(be, 'Concat', { xs: parts.map((p) => p.t) }, { axis })[0];
  for (const p of parts) drop(be, p);
  return { t: out, owned: true };
}

/**
 * The output storage of an `outShape` tensor from consecutive blocks of its elements in row-major order
 * (consumed; each block whole rows of the `[R, C]` view starting at row `starts[i]`): one joined storage
 * when the whole fits under `limit`, else a {@link ShardedStorage} of the blocks.
 */
export function assemble(be: Backend, blocks: Block[], starts: readonly number[], outShape: Shape, dtype: DType, limit: number): unknown {
  const [, c] = rowView(outShape);
  const size = (t: BackendTensor) => t.shape.reduce((a, d) => a * d, 1);
  const owned = blocks.map((b) => (b.owned ? b : { t: call(be, 'Slice', { x: b.t }, { begin: b.t.shape.map(() => 0), size: [...b.t.shape] })[0], owned: true }));
  if (owned.length === 1 || shardBytes(outShape, dtype) <= limit) {
    return join(be, owned.map((b) => ({ t: view(b.t, [size(b.t)]), owned: true })), 0).t.storage;
  }
  const shards: Shard[] = owned.map((b, i) => ({ storage: b.t.storage, offset: starts[i] * c, size: size(b.t) }));
  return new ShardedStorage(shards, dtype);
}
