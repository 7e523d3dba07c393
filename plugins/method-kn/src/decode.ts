/** Greedy continuation without a cache (KN decodes a handful of tokens on short prompts). */
import { argmax, sliceAxis, tensor, tidy, type LanguageModel } from '@crossedit/core';

/** Appends `n` greedy tokens to `ids` and returns only the new ones. */
export async function greedyTokens(model: LanguageModel, ids: readonly number[], n: number): Promise<number[]> {
  const seq = [...ids];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = tidy(() => {
      const x = tensor(Int32Array.from(seq), [1, seq.length], { backend: model.backend, dtype: 'i32' });
      const { logits } = model.forward(x);
      return argmax(sliceAxis(logits!, 1, seq.length - 1, seq.length), -1);
    });
    const id = (await next.data())[0];
    next.dispose();
    out.push(id);
    seq.push(id);
  }
  return out;
}
