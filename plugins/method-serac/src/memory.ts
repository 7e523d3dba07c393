/**
 * SERAC's edit memory. An edit appends entries (the text `prompt + " " + target` as the counterfactual
 * model's prefix and, for the classifier, that text without its last word: EasyEdit's
 * `rsplit(" ", 1)[0]`); nothing else changes. The memory belongs to the base model object, so
 * sequential edits accumulate and `restore()` removes exactly the entries its edit added.
 */
import type { EditRequest, LanguageModel, Tokenizer } from '@crossedit/core';

/** One cached edit. */
export interface MemoryEntry {
  id: string;
  /** Classifier context tokens (no BOS). */
  ctxIds: number[];
  /** Counterfactual prefix tokens: BOS (when the tokenizer has one) and the cached text. */
  prefix: number[];
}

/** The memory entry of an edit. */
export function memoryEntry(tok: Tokenizer, r: Pick<EditRequest, 'id' | 'prompt' | 'target'>): MemoryEntry {
  const text = `${r.prompt} ${r.target}`;
  const cut = text.lastIndexOf(' ');
  const ctx = cut > 0 ? text.slice(0, cut) : text;
  const bos = tok.special.bos;
  const body = tok.encode(text, { addBos: false }).ids;
  return { id: r.id, ctxIds: tok.encode(ctx, { addBos: false }).ids, prefix: bos === null ? body : [bos, ...body] };
}

const memories = new WeakMap<LanguageModel, MemoryEntry[]>();

/** The live memory of a base model (empty when nothing is cached). */
export function memoryOf(model: LanguageModel): readonly MemoryEntry[] {
  return memories.get(model) ?? [];
}

/** Appends entries to a base model's memory; the returned function removes them again. */
export function appendMemory(model: LanguageModel, entries: readonly MemoryEntry[]): () => void {
  let list = memories.get(model);
  if (!list) memories.set(model, (list = []));
  list.push(...entries);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const l = memories.get(model) ?? [];
    memories.set(
      model,
      l.filter((e) => !entries.includes(e)),
    );
  };
}
