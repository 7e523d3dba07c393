/** Greedy answers to questions, for showing an edit's effect before and after. */
import type { LanguageModel, Tokenizer } from '@crossedit/core';
import { generate } from '@crossedit/transformer';

/** Decodes up to `maxNewTokens` greedy tokens after each question (one batch, left-padded). */
export async function answer(model: LanguageModel, tok: Tokenizer, questions: readonly string[], maxNewTokens = 12, wrap: (q: string) => string = (q) => q): Promise<string[]> {
  const out: string[] = [];
  for (const q of questions) {
    const ids = tok.encode(wrap(q)).ids;
    const { tokens } = await generate(model, { ids: [ids] }, { maxNewTokens, eosId: tok.special.eos });
    out.push(cleanAnswer(tok.decode(tokens[0], { skipSpecialTokens: true })));
  }
  return out;
}

/** The first line of a continuation, trimmed. */
export function cleanAnswer(s: string): string {
  return s.split('\n')[0].trim();
}
