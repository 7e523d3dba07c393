/**
 * Whether an edit case can be scored on a model: every item's sequences, as the evaluator will run them
 * (prompt wrapping and layout included), must fit the model's positions. A case that does not fit is
 * recorded as a failed record naming the record, the field and the lengths, and the run goes on.
 */
import type { Tokenizer } from '@crossedit/core';
import type { EditCase, EvalItem } from '../data/cases.js';
import type { ScoringRules } from '../scorers/mode.js';
import { planItems, type PredictOptions } from './evaluate.js';

const FIELD: Record<EvalItem['kind'], string> = { rewrite: 'src', rephrase: 'rephrase', locality: 'loc', portability: 'portability' };

/** The dataset field an item comes from, e.g. `zh.loc` (Bi-ZsRE's layout: language, then key). */
export function itemField(item: EvalItem): string {
  return `${item.lang}.${FIELD[item.kind]}`;
}

/**
 * Why the items of `c` cannot be scored, or null when they can: the first item whose longest sequence
 * exceeds `maxPositions` (`record 13, field zh.loc (locality.zh): 291 tokens exceed maxPositions 256
 * (question 40 tokens, answer 6, the rest the method's context)`), or whose plan fails.
 * @param items the items as run (the pre-edit pass may give a prompt-edit method's context); default `c.items`
 * @param opts the options `predictItems` gets (wrap, promptEdits)
 */
export function unscorableReason(c: EditCase, tokenizer: Tokenizer, rules: ScoringRules, maxPositions: number, opts: PredictOptions = {}, items: readonly EvalItem[] = c.items): string | null {
  for (const [i, it] of items.entries()) {
    const where = `record ${c.recordIndex}, field ${itemField(c.items[i] ?? it)} (${it.metric})`;
    let longest: number;
    try {
      longest = Math.max(...planItems(tokenizer, [it], rules, opts)[0].sequences.map((s) => s.length));
    } catch (e) {
      return `${where}: ${(e as Error).message}`;
    }
    if (longest > maxPositions) {
      const bare = c.items[i] ?? it;
      const q = tokenizer.encode(bare.prompt).ids.length;
      const a = tokenizer.encode(bare.target, { addBos: false }).ids.length;
      const rest = longest > q + a + 1 ? ", the rest the method's context" : '';
      return `${where}: ${longest} tokens exceed maxPositions ${maxPositions} (question ${q} tokens, answer ${a}${rest})`;
    }
  }
  return null;
}
