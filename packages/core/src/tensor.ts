/** The tensor handle: an immutable (shape, dtype, backend) view of data the engine reference-counts. */
import type { Backend } from './backend.js';
import type { DType, HostArray } from './dtype.js';
import { DisposedError } from './errors.js';
import { fmtShape, sizeOf, type Shape } from './shape.js';
import { freeStorage, isShardedStorage, readStorage } from './shard/storage.js';

/** Shared storage of one or more tensors (reshape and detach alias it). @internal */
export interface DataRecord {
  readonly backend: Backend;
  readonly storage: unknown;
  readonly bytes: number;
  refs: number;
}

let nextId = 1;

/**
 * An immutable n-dimensional array on a backend. Create tensors with the ops of this package
 * (`tensor`, `zeros`, `matmul`, ...); release them with {@link Tensor.dispose} or a `tidy` scope.
 *
 * @example
 * ```ts
 * const t = tensor([1, 2, 3, 4], [2, 2]);
 * console.log(await t.data()); // Float32Array or Float64Array [1, 2, 3, 4]
 * t.dispose();
 * ```
 */
export class Tensor {
  /** Unique id, used by tapes and scopes. */
  readonly id = nextId++;
  #record: DataRecord | null;

  /** @internal Use the ops to create tensors. */
  constructor(
    record: DataRecord,
    readonly shape: Shape,
    readonly dtype: DType,
    /** Free-form label for error messages and debugging. */
    public name?: string,
  ) {
    this.#record = record;
  }

  /** The backend holding the data. */
  get backend(): Backend {
    return this.record.backend;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether {@link Tensor.dispose} has run. */
  get isDisposed(): boolean {
    return this.#record === null;
  }

  /** @internal The data record; throws {@link DisposedError} after dispose. */
  get record(): DataRecord {
    if (!this.#record) {
      throw new DisposedError(`tensor ${this.describe()} was used after dispose()`);
    }
    return this.#record;
  }

  /** Releases this handle; the data is freed when no other handle (reshape, detach) shares it. Idempotent. */
  dispose(): void {
    const r = this.#record;
    if (!r) return;
    this.#record = null;
    r.refs--;
    if (r.refs === 0) {
      freeStorage(r.backend, r.storage);
      liveBytes.value -= r.bytes;
    }
    liveTensors.value--;
  }

  /** Reads the values back (waits for pending work). */
  async data(): Promise<HostArray> {
    const r = this.record;
    return readStorage(r.backend, r.storage, this.shape, this.dtype);
  }

  /** Reads the values back as a plain number array. */
  async toArray(): Promise<number[]> {
    return Array.from(await this.data());
  }

  /** Reads a one-element tensor as a number. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new RangeError(`item(): tensor ${this.describe()} has ${this.size} elements, expected 1`);
    return (await this.data())[0];
  }

  /** Number of row shards the data is stored in (1 unless it passes the backend's binding limit). */
  get shards(): number {
    const s = this.record.storage;
    return isShardedStorage(s) ? s.shards.length : 1;
  }

  /** A short description, e.g. `f32[2,3] #12 (name)`. */
  describe(): string {
    return `${this.dtype}${fmtShape(this.shape)} #${this.id}${this.name ? ` (${this.name})` : ''}`;
  }

  toString(): string {
    return `Tensor ${this.describe()}`;
  }
}

/** @internal Live counters (the engine reads and updates them). */
export const liveBytes = { value: 0 };
/** @internal */
export const liveTensors = { value: 0 };
