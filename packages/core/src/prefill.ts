/** Filling a key/value cache with tokens whose logits are not wanted (a shared head, a prompt prefix). */
import { tidy } from './engine.js';
import { tensor } from './ops/creation.js';
import type { KVCache, LanguageModel } from './model.js';
import type { Tensor } from './tensor.js';

/**
 * Runs `ids: [B, S]` (i32) through `model` into a new cache of B rows and returns it filled, for
 * later passes to extend (`ForwardOptions.cache`) or read (`ForwardOptions.prefix`). No logits are
 * kept: a model that `supportsLogitsAt` runs its head on one row only. The pass's intermediates are
 * released; `ids` and `attentionMask` stay the caller's. On an error the cache is disposed.
 *
 * @param model - the model whose cache is filled
 * @param ids - the tokens, `[B, S]` i32
 * @param attentionMask - optional `[B, S]` mask of real tokens (right padding)
 * @returns the filled cache; the caller disposes it
 *
 * @example
 * ```ts
 * const head = prefillCache(model, tensor(Int32Array.from(demoIds), [1, demoIds.length], { dtype: 'i32' }));
 * const { logits } = model.forward(tails, { prefix: head, attentionMask });
 * head.dispose();
 * ```
 */
export function prefillCache(model: LanguageModel, ids: Tensor, attentionMask?: Tensor): KVCache {
  const cache = model.createCache(ids.shape[0]);
  try {
    tidy(() => {
      const at = model.supportsLogitsAt ? tensor(Int32Array.from([0]), [1], { backend: model.backend, dtype: 'i32' }) : undefined;
      model.forward(ids, { cache, ...(attentionMask ? { attentionMask } : {}), ...(at ? { logitsAt: at } : {}) });
    });
  } catch (e) {
    cache.dispose();
    throw e;
  }
  return cache;
}
