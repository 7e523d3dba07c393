/** Shared bookkeeping of the checkpoint readers: lookup, listing, shape checks. */
import { FormatError, fmtShape, shapesEqual, sizeOf, type StorageDType } from '@crossedit/core';
import { STORAGE_BYTES, isFloatStorage } from './convert.js';
import type { RangeFile } from './range-file.js';
import { convertF32, readSpanAs, type LoadDType, type ReadAsOptions, type ReadAsResult } from './read-as.js';
import type { CheckpointDType, CheckpointFormat, CheckpointReader, ReadOptions, TensorEntry } from './types.js';

/** The storage dtype of a checkpoint dtype, or `undefined` for GGML quantisations. */
function storageDType(d: CheckpointDType): StorageDType | undefined {
  return d in STORAGE_BYTES ? (d as StorageDType) : undefined;
}

/** Throws a `FormatError` naming the file and tensor when `actual` differs from `expected`. */
export function checkShape(file: string, tensor: string, actual: readonly number[], expected?: readonly number[]): void {
  if (expected && !shapesEqual(actual, expected)) {
    throw new FormatError(file, `tensor '${tensor}' has shape ${fmtShape(actual)}, expected ${fmtShape(expected)}`);
  }
}

/** The error for a tensor name that a checkpoint does not have. */
export function missingTensorError(file: string, name: string, names: Iterable<string>): FormatError {
  const all = [...names];
  const tail = name.split('.').slice(-2).join('.');
  const near = all.filter((n) => n.endsWith(tail)).slice(0, 3);
  const hint = near.length ? `; similar: ${near.map((n) => `'${n}'`).join(', ')}` : '';
  return new FormatError(file, `no tensor named '${name}' (the checkpoint has ${all.length} tensors${hint})`);
}

/** Base class of the single-file readers: entries by name, `read` with the shape check, `list`. */
export abstract class BaseReader<E extends TensorEntry> implements CheckpointReader {
  protected readonly entries = new Map<string, E>();

  protected constructor(
    readonly path: string,
    readonly format: CheckpointFormat,
    readonly metadata: Readonly<Record<string, unknown>>,
  ) {}

  list(): TensorEntry[] {
    return [...this.entries.values()].map(({ name, dtype, shape, file }) => ({ name, dtype, shape, file }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): TensorEntry {
    const { dtype, shape, file } = this.get(name);
    return { name, dtype, shape, file };
  }

  async read(name: string, opts: ReadOptions = {}): Promise<Float32Array> {
    const e = this.get(name);
    checkShape(e.file, name, e.shape, opts.shape);
    return this.readEntry(e);
  }

  async readAs(name: string, dtype: LoadDType, opts: ReadAsOptions = {}): Promise<ReadAsResult> {
    const e = this.get(name);
    checkShape(e.file, name, e.shape, opts.shape);
    const numel = sizeOf(e.shape);
    const stored = storageDType(e.dtype);
    const span = stored && isFloatStorage(stored) ? await this.span(e) : undefined;
    if (span) return readSpanAs(span.file, span.offset, stored!, numel, dtype, name, opts);
    const values = await this.readEntry(e);
    return { ...convertF32(values, dtype, opts.into), storedBytes: stored ? numel * STORAGE_BYTES[stored] : values.byteLength };
  }

  async readRaw(name: string): Promise<Uint8Array> {
    return this.readRawEntry(this.get(name));
  }

  abstract close(): Promise<void>;

  /** The internal entry, or a `FormatError` naming the file and tensor. */
  protected get(name: string): E {
    const e = this.entries.get(name);
    if (!e) throw missingTensorError(this.path, name, this.entries.keys());
    return e;
  }

  /**
   * Where a tensor's elements lie as one contiguous, uncompressed byte range of a float storage dtype (so
   * {@link readAs} can read them in place); `undefined` to read through {@link readEntry}.
   */
  protected async span(_e: E): Promise<{ file: RangeFile; offset: number } | undefined> {
    return undefined;
  }

  protected abstract readEntry(e: E): Promise<Float32Array>;
  protected abstract readRawEntry(e: E): Promise<Uint8Array>;
}
