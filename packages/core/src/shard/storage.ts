/**
 * Row-sharded storage: a tensor larger than its backend's binding limit is kept as several backend
 * storages, each holding a contiguous run of its row-major elements — whole rows of the `[R, C]` view
 * (`C` the last axis) the tensor had when the shards were made. A reshape is an alias as for any
 * tensor: a later view whose rows a shard boundary cuts is handled by slicing (see `blocks.ts`). The
 * engine owns it; backends only ever see the blocks, each below the limit, and tensors, methods and
 * gradient rules see one handle. See the package README.
 */
import type { Backend } from '../backend.js';
import { bytesPerElement, type DType, type HostArray, type UploadData } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { fmtShape, sizeOf, type Shape } from '../shape.js';

/** One block of a sharded tensor: a backend storage of `size` elements starting at element `offset`. */
export interface Shard {
  readonly storage: unknown;
  readonly offset: number;
  readonly size: number;
}

/** A tensor's data as consecutive blocks on one backend (see the module comment). */
export class ShardedStorage {
  constructor(
    readonly shards: readonly Shard[],
    readonly dtype: DType,
  ) {}
}

/**
 * The row ranges `[start, end)` of the shards in a view with rows of `width` elements (one range for
 * an unsharded storage), or `null` when a shard boundary falls inside a row.
 */
export function alignedRows(storage: unknown, rows: number, width: number): [number, number][] | null {
  if (!isShardedStorage(storage) || width === 0) return [[0, rows]];
  const out: [number, number][] = [];
  for (const s of storage.shards) {
    if (s.offset % width !== 0 || s.size % width !== 0) return null;
    out.push([s.offset / width, (s.offset + s.size) / width]);
  }
  return out;
}

/** Whether a storage handle is a {@link ShardedStorage}. */
export function isShardedStorage(s: unknown): s is ShardedStorage {
  return s instanceof ShardedStorage;
}

/** The environment variable that lowers every backend's binding limit (tests, CI): a byte count. */
export const BINDING_LIMIT_ENV = 'CROSSEDIT_MAX_BINDING_BYTES';

/**
 * A backend's effective binding limit: the smallest of its device limit (`undefined`: none), an
 * explicit option, and `CROSSEDIT_MAX_BINDING_BYTES`. Throws on a value that is not a positive integer,
 * naming where it came from.
 */
export function effectiveBindingLimit(device: number | undefined, option?: number): number | undefined {
  const check = (v: number, where: string) => {
    if (!Number.isInteger(v) || v < 16) throw new RangeError(`${where}: the binding limit must be an integer number of bytes >= 16, got ${v}`);
    return v;
  };
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[BINDING_LIMIT_ENV];
  const all = [device, option === undefined ? undefined : check(option, 'maxBindingBytes option'), env ? check(Number(env), BINDING_LIMIT_ENV) : undefined];
  const set = all.filter((v): v is number => v !== undefined);
  return set.length ? Math.min(...set) : undefined;
}

/** Logical bytes of a tensor (elements × bytes per element of its dtype). */
export function logicalBytes(shape: Shape, dtype: DType): number {
  return sizeOf(shape) * bytesPerElement(dtype);
}

/**
 * Bytes per element that sharding plans with: at least 4, so that the blocks of an `f16` tensor
 * widen to `f32` block by block (an edit casts a half-precision weight to f32 and back) without
 * slicing half-precision storage, which only MatMul, Gather and Cast read.
 */
export function shardElementBytes(dtype: DType): number {
  return Math.max(4, bytesPerElement(dtype));
}

/** The bytes a tensor counts for against the binding limit when sharding is planned. */
export function shardBytes(shape: Shape, dtype: DType): number {
  return sizeOf(shape) * shardElementBytes(dtype);
}

const MB = 1024 * 1024;

/** `906.0 MiB (950009856 bytes)`. */
export function fmtBytes(b: number): string {
  return b >= MB ? `${(b / MB).toFixed(1)} MiB (${b} bytes)` : `${b} bytes`;
}

/** The `[R, C]` view of a shape: C = last axis (1 for a scalar). */
export function rowView(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  const c = shape[shape.length - 1];
  return [c === 0 ? 0 : sizeOf(shape) / c, c];
}

/**
 * Rows per block for rows of `width` elements of `dtype` under `limit` bytes; throws naming `what` when
 * one row alone passes the limit.
 */
export function rowsPerBlock(width: number, dtype: DType, limit: number, what: string): number {
  const rowBytes = Math.max(1, width) * shardElementBytes(dtype);
  const n = Math.floor(limit / rowBytes);
  if (n < 1) {
    throw new ShapeError(
      `${what}: one row of ${width} ${dtype} elements is ${fmtBytes(rowBytes)}, more than the backend's binding limit ` +
        `(maxStorageBufferBindingSize ${fmtBytes(limit)}); row sharding cannot split it`,
    );
  }
  return n;
}

/** Splits `[0, rows)` into consecutive blocks of at most `per` rows: `[start, count]` pairs. */
export function uniformBlocks(rows: number, per: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < rows; s += per) out.push([s, Math.min(per, rows - s)]);
  return out;
}

/** Uploads host data as row shards below `limit`. */
export function uploadSharded(be: Backend, data: UploadData, shape: Shape, dtype: DType, limit: number, what: string): ShardedStorage {
  const [r, c] = rowView(shape);
  const per = rowsPerBlock(c, dtype, limit, `${what} ${dtype}${fmtShape(shape)} (${fmtBytes(logicalBytes(shape, dtype))})`);
  const shards: Shard[] = [];
  try {
    for (const [start, rows] of uniformBlocks(r, per)) {
      const part = data.subarray(start * c, (start + rows) * c);
      shards.push({ storage: be.upload(part, [rows, c], dtype), offset: start * c, size: rows * c });
    }
  } catch (e) {
    for (const s of shards) be.free(s.storage);
    throw e;
  }
  return new ShardedStorage(shards, dtype);
}

/** Reads a (possibly sharded) storage back as one host array. */
export async function readStorage(be: Backend, storage: unknown, shape: Shape, dtype: DType): Promise<HostArray> {
  if (!isShardedStorage(storage)) return be.read(storage, { shape, dtype });
  const parts = await Promise.all(storage.shards.map((s) => be.read(s.storage, { shape: [s.size], dtype })));
  const n = sizeOf(shape);
  const first = parts[0];
  const out: HostArray =
    first instanceof Float64Array ? new Float64Array(n) : first instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
  storage.shards.forEach((s, i) => out.set(parts[i] as never, s.offset));
  return out;
}

/** Frees a (possibly sharded) storage. */
export function freeStorage(be: Backend, storage: unknown): void {
  if (!isShardedStorage(storage)) {
    be.free(storage);
    return;
  }
  for (const s of storage.shards) be.free(s.storage);
}
