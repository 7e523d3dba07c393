/**
 * A size-class pool of storage buffers with byte counters. Sizes are rounded up to a class (powers of
 * two up to 4 KiB, then eight steps per octave (step = p/16 above p/2), so at most 12.5% is wasted) and freed buffers wait in a
 * per-class free list for reuse. Buffers freed while the current command batch is still being encoded
 * are kept apart until it is submitted:
 * - a later `queue.writeBuffer` (an upload) would otherwise land before commands that still read the
 *   old contents (kernel outputs may reuse them at once, since dispatches in one encoder run in order);
 * - such a buffer is never destroyed before that submit, even when the pool is over its byte cap:
 *   destroying a buffer that an encoded, not yet submitted command uses makes the whole submit fail
 *   ("used in submit while destroyed"). The cap is enforced when the batch is submitted; a buffer
 *   destroyed after the submit that last uses it is fine (the implementation keeps it alive until the
 *   GPU is done with it).
 */

/** Counters of a {@link BufferPool}. */
export interface PoolStats {
  /** Bytes of buffers handed out and not yet released (size-class bytes). */
  bytesAllocated: number;
  /** Bytes sitting in free lists. */
  bytesPooled: number;
  /** Buffers handed out and not yet released. */
  buffersInUse: number;
  /** Buffers ever created by the pool (a cache-miss counter). */
  buffersCreated: number;
}

/** Rounds a byte size up to its size class (minimum 16 bytes). */
export function sizeClass(bytes: number): number {
  if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`sizeClass: bad byte size ${bytes}`);
  if (bytes <= 16) return 16;
  const p = 2 ** Math.ceil(Math.log2(bytes));
  if (p <= 4096) return p;
  const step = p / 16; // bytes > p/2, so the waste is below bytes/8
  return Math.ceil(bytes / step) * step;
}

/** Options of {@link BufferPool}. */
export interface BufferPoolOptions {
  /** Usage flags of every buffer. */
  usage: number;
  /** Free-list bytes above which released buffers are destroyed instead of kept (default 1 GiB). */
  maxPooledBytes?: number;
  /** Label prefix for debugging. */
  label?: string;
}

/** A pool of `GPUBuffer`s of one usage, keyed by size class. */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #usage: number;
  readonly #maxPooled: number;
  readonly #label: string;
  readonly #free = new Map<number, GPUBuffer[]>();
  /** Released during the batch being encoded; movable to #free after submit. */
  readonly #fresh = new Map<number, GPUBuffer[]>();
  readonly #stats: PoolStats = { bytesAllocated: 0, bytesPooled: 0, buffersInUse: 0, buffersCreated: 0 };
  /** Bytes on the free lists (the cap applies to these; fresh buffers wait for the submit). */
  #freeBytes = 0;
  readonly #ids = new WeakMap<GPUBuffer, number>();
  #nextId = 1;
  /** Called just before a pooled buffer is destroyed (caches that refer to it drop it). */
  onDestroy: ((buf: GPUBuffer) => void) | null = null;

  constructor(device: GPUDevice, opts: BufferPoolOptions) {
    this.#device = device;
    this.#usage = opts.usage;
    this.#maxPooled = opts.maxPooledBytes ?? 2 ** 30;
    this.#label = opts.label ?? 'crossedit';
  }

  /**
   * A buffer of at least `bytes` bytes. `forUpload` excludes buffers released during the current batch
   * (see the module comment).
   */
  acquire(bytes: number, forUpload = false): GPUBuffer {
    const size = sizeClass(bytes);
    let buf = forUpload ? undefined : this.#fresh.get(size)?.pop();
    if (!buf) {
      buf = this.#free.get(size)?.pop();
      if (buf) this.#freeBytes -= size;
    }
    if (buf) this.#stats.bytesPooled -= size;
    else {
      buf = this.#device.createBuffer({ size, usage: this.#usage, label: `${this.#label}:${size}` });
      this.#ids.set(buf, this.#nextId++);
      this.#stats.buffersCreated++;
    }
    this.#stats.bytesAllocated += size;
    this.#stats.buffersInUse++;
    return buf;
  }

  /** A small integer naming a buffer this pool created (stable for the buffer's life; cache keys). */
  idOf(buf: GPUBuffer): number {
    const id = this.#ids.get(buf);
    if (id === undefined) throw new Error(`buffer pool ${this.#label}: buffer ${buf.label} was not created by this pool`);
    return id;
  }

  /**
   * Returns a buffer to the pool. `batchOpen`: commands encoded and not yet submitted may use it, so
   * it is neither destroyed nor handed to an upload before {@link onSubmit}. Otherwise it is destroyed
   * at once when the pool is full.
   */
  release(buf: GPUBuffer, batchOpen: boolean): void {
    const size = buf.size;
    this.#stats.bytesAllocated -= size;
    this.#stats.buffersInUse--;
    if (batchOpen) {
      let list = this.#fresh.get(size);
      if (!list) this.#fresh.set(size, (list = []));
      this.#insert(list, buf);
      this.#stats.bytesPooled += size;
      return;
    }
    this.#keep(buf);
  }

  /** Puts a buffer no unsubmitted command uses on its free list, or destroys it when the pool is full. */
  #keep(buf: GPUBuffer): void {
    const size = buf.size;
    if (this.#freeBytes + size > this.#maxPooled) {
      this.#destroy(buf);
      return;
    }
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    this.#insert(list, buf);
    this.#freeBytes += size;
    this.#stats.bytesPooled += size;
  }

  /**
   * Free lists are sorted by descending id and `pop()` takes the oldest buffer: the same sequence of
   * allocations from the same free set gets the same buffers, so bind groups cached for one iteration
   * of a loop are found again in the next (a LIFO list would hand them out in a different order).
   */
  #insert(list: GPUBuffer[], buf: GPUBuffer): void {
    const id = this.#ids.get(buf) ?? 0;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#ids.get(list[mid]) ?? 0) > id) lo = mid + 1;
      else hi = mid;
    }
    if (lo === list.length) list.push(buf);
    else list.splice(lo, 0, buf);
  }

  #destroy(buf: GPUBuffer): void {
    this.onDestroy?.(buf);
    buf.destroy();
  }

  /**
   * Called after a submit: buffers released during the batch become available to uploads, and those
   * over the byte cap are destroyed now that the commands using them have been submitted.
   */
  onSubmit(): void {
    if (this.#fresh.size === 0) return;
    for (const [size, list] of this.#fresh) {
      this.#stats.bytesPooled -= size * list.length;
      for (const b of list) this.#keep(b);
    }
    this.#fresh.clear();
  }

  /** Destroys every pooled (free) buffer. Buffers in use are untouched. */
  trim(): void {
    this.onSubmit();
    for (const list of this.#free.values()) for (const b of list) this.#destroy(b);
    this.#free.clear();
    this.#freeBytes = 0;
    this.#stats.bytesPooled = 0;
  }

  /** A copy of the counters. */
  stats(): PoolStats {
    return { ...this.#stats };
  }
}
