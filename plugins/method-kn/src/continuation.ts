/**
 * How a prompt grows by the model's argmax token during KN's attribution and greedy decoding: by id
 * (the default) or, as EasyEdit's `knowledge_neurons` does, by decoding the token alone, appending the
 * text and tokenising the whole prompt again.
 */
import type { Tokenizer } from '@crossedit/core';

/** A prompt that can be extended by one token. */
export interface Continuation {
  /** The token ids the model runs. */
  readonly ids: readonly number[];
  /** The prompt extended by token `id`. */
  append(id: number): Continuation;
}

/** The two ways a prompt grows. */
export type ContinuationMode = 'ids' | 'text';

/** Appends the token id itself: the prompt's ids stay a prefix of the extended ids. */
export function idContinuation(ids: readonly number[]): Continuation {
  return { ids, append: (id) => idContinuation([...ids, id]) };
}

/**
 * EasyEdit's route: `prompt += tokenizer.decode([id])`, then `tokenizer(prompt)` again. A SentencePiece
 * decode of a lone `▁word` piece drops its leading space, so "… was" + "▁a" becomes "… wasa" and is
 * tokenised as another word.
 */
export function textContinuation(tokenizer: Tokenizer, text: string): Continuation {
  return {
    ids: tokenizer.encode(text).ids,
    append: (id) => textContinuation(tokenizer, text + tokenizer.decode([id], { skipSpecialTokens: false })),
  };
}

/** The continuation of `prompt` in `mode`. */
export function continuationOf(mode: ContinuationMode, tokenizer: Tokenizer, prompt: string): Continuation {
  return mode === 'text' ? textContinuation(tokenizer, prompt) : idContinuation(tokenizer.encode(prompt).ids);
}

/** A continuation from ids or an existing continuation. */
export function asContinuation(start: readonly number[] | Continuation): Continuation {
  return 'append' in start ? start : idContinuation(start);
}
