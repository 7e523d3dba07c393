/** The base model's weights hash, computed once per model object (before its first edit). */
import type { LanguageModel } from '@crossedit/core';
import { weightsHash } from '@crossedit/stats';

const cache = new WeakMap<LanguageModel, Promise<string>>();

/**
 * {@link weightsHash} of `model`, remembered per model object: the first call must see the unedited
 * weights (the evaluator's first edit does), later calls (sequential edits) reuse it.
 */
export function baseWeightsHash(model: LanguageModel): Promise<string> {
  let h = cache.get(model);
  if (!h) {
    h = weightsHash(model);
    cache.set(model, h);
  }
  return h;
}
