/** Greedy continuation without a cache (KN decodes a handful of tokens on short prompts). */
import { argmax, sliceAxis, tensor, tidy, type LanguageModel } from '@crossedit/core';
import { asContinuation, type Continuation } from './continuation.js';

/**
 * Extends the prompt by `n` greedy tokens and returns only the new ones. A prompt given as ids grows by
 * id; a {@link Continuation} grows as it says (EasyEdit re-tokenises the decoded text).
 */
export async function greedyTokens(model: LanguageModel, prompt: readonly number[] | Continuation, n: number): Promise<number[]> {
  let at = asContinuation(prompt);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const seq = at.ids;
    const next = tidy(() => {
      const x = tensor(Int32Array.from(seq), [1, seq.length], { backend: model.backend, dtype: 'i32' });
      const { logits } = model.forward(x);
      return argmax(sliceAxis(logits!, 1, seq.length - 1, seq.length), -1);
    });
    const id = (await next.data())[0];
    next.dispose();
    out.push(id);
    at = at.append(id);
  }
  return out;
}
