/** Shared bookkeeping of the checkpoint readers: lookup, listing, shape checks. */
import { FormatError, fmtShape, shapesEqual } from '@crossedit/core';
import type { CheckpointFormat, CheckpointReader, ReadOptions, TensorEntry } from './types.js';

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

  protected abstract readEntry(e: E): Promise<Float32Array>;
  protected abstract readRawEntry(e: E): Promise<Uint8Array>;
}
