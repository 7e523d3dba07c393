/**
 * A cache of bind groups keyed by what they bind: the layout, and each storage binding's buffer and
 * bound size. Creating a bind group costs ~100 µs of host time in Dawn under Node, more than the rest of
 * a dispatch; the pool hands the same buffers back in the same order step after step, so most
 * dispatches of an iterative method find theirs here. The uniform binding is the last one: the
 * dispatch's slice of the batch's uniform arena, so its offset is part of the key. An iterative method
 * reads a value back once per step, which submits the batch, so each step's dispatches land on the
 * same arena offsets as the previous step's and find their groups. (A dynamic uniform offset would make
 * the offset irrelevant to the key, but costs ~30 µs more per dispatch when lavapipe runs the submit.)
 *
 * Entries that name a buffer are dropped when the pool destroys that buffer ({@link forget}); the
 * whole cache is cleared when it exceeds its entry limit.
 */

/** Options of {@link BindGroupCache}. */
export interface BindGroupCacheOptions {
  /** Entries kept before the cache is cleared (default 8192). */
  maxEntries?: number;
}

/** Bind groups by layout and buffers (see the module comment). */
export class BindGroupCache {
  readonly #device: GPUDevice;
  readonly #max: number;
  readonly #groups = new Map<string, GPUBindGroup>();
  readonly #byBuffer = new Map<GPUBuffer, string[]>();
  /** Keys listed in #byBuffer (stale ones included: a group dropped for one buffer stays on its others' lists). */
  #listed = 0;
  /** Lookups answered from the cache, and bind groups created. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(device: GPUDevice, opts: BindGroupCacheOptions = {}) {
    this.#device = device;
    this.#max = opts.maxEntries ?? 8192;
  }

  /**
   * The bind group of `layout` (named `layoutId`) binding `buffers[i]` with `sizes[i]` bytes at binding
   * i (`ids[i]` names the buffer) and `uniformSize` bytes of `uniform` from `uniformOffset` at the last
   * binding.
   */
  get(
    layout: GPUBindGroupLayout,
    layoutId: number,
    buffers: readonly GPUBuffer[],
    ids: readonly number[],
    sizes: readonly number[],
    uniform: GPUBuffer,
    uniformOffset: number,
    uniformSize: number,
    label: string,
  ): GPUBindGroup {
    let key = `${layoutId}:${uniformOffset}:${uniformSize}`;
    for (let i = 0; i < ids.length; i++) key += `|${ids[i]}:${sizes[i]}`;
    const hit = this.#groups.get(key);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    if (this.#groups.size >= this.#max || this.#listed >= 4 * this.#max) this.clear();
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, i) => ({ binding: i, resource: { buffer, offset: 0, size: sizes[i] } }));
    entries.push({ binding: buffers.length, resource: { buffer: uniform, offset: uniformOffset, size: uniformSize } });
    const group = this.#device.createBindGroup({ layout, entries, label });
    this.#groups.set(key, group);
    this.#listed += buffers.length;
    for (const b of buffers) {
      const keys = this.#byBuffer.get(b);
      if (keys) keys.push(key);
      else this.#byBuffer.set(b, [key]);
    }
    return group;
  }

  /** Drops every entry that binds `buffer` (called before the buffer is destroyed). */
  forget(buffer: GPUBuffer): void {
    const keys = this.#byBuffer.get(buffer);
    if (!keys) return;
    this.#byBuffer.delete(buffer);
    this.#listed -= keys.length;
    for (const k of keys) this.#groups.delete(k);
  }

  /** Number of cached bind groups. */
  get size(): number {
    return this.#groups.size;
  }

  /** Drops everything. */
  clear(): void {
    this.#groups.clear();
    this.#byBuffer.clear();
    this.#listed = 0;
  }
}
