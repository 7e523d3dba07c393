/** The key/value cache of {@link LlamaModel} for incremental decoding. */
import { dispose, untrack, type KVCache, type Tensor } from '@crossedit/core';

/** One layer's cached keys and values, `[B, Hkv, T, Dh]` (keys after RoPE). */
export interface LayerKV {
  k: Tensor;
  v: Tensor;
}

/**
 * A KV cache: per-layer keys and values, the attention mask of the cached tokens `[B, T]` and the
 * number of real tokens per row `[B, 1]` (for the positions of the next tokens). Created by
 * `LlamaModel.createCache`; updated by each `forward` that is given it; holds its tensors outside any
 * `tidy` scope until {@link LlamaCache.dispose}.
 */
export class LlamaCache implements KVCache {
  #layers: (LayerKV | null)[];
  #keyMask: Tensor | null = null;
  #realCount: Tensor | null = null;
  #length = 0;

  constructor(
    /** Rows of the batch this cache serves. */
    readonly batch: number,
    numLayers: number,
    /** The model that created it (a cache is not shared across models). */
    readonly owner: object,
  ) {
    this.#layers = new Array<LayerKV | null>(numLayers).fill(null);
  }

  /** Tokens already cached per row (padding included). */
  get length(): number {
    return this.#length;
  }

  /** Cached keys/values of a layer, or null when empty. @internal */
  layer(i: number): LayerKV | null {
    return this.#layers[i];
  }

  /** Mask of the cached tokens `[B, T]`, or null when empty. @internal */
  get keyMask(): Tensor | null {
    return this.#keyMask;
  }

  /** Real tokens seen so far per row `[B, 1]`, or null when empty. @internal */
  get realCount(): Tensor | null {
    return this.#realCount;
  }

  /** Replaces the whole state after a successful forward (the old tensors are released). @internal */
  commit(layers: LayerKV[], keyMask: Tensor, realCount: Tensor, length: number): void {
    const old = [this.#layers, this.#keyMask, this.#realCount];
    for (const l of layers) {
      untrack(l.k);
      untrack(l.v);
    }
    this.#layers = layers;
    this.#keyMask = untrack(keyMask);
    this.#realCount = untrack(realCount);
    this.#length = length;
    dispose(old);
  }

  /** Releases the cached tensors; the cache is empty afterwards. */
  dispose(): void {
    dispose([this.#layers, this.#keyMask, this.#realCount]);
    this.#layers = this.#layers.map(() => null);
    this.#keyMask = null;
    this.#realCount = null;
    this.#length = 0;
  }
}
