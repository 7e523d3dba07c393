/**
 * Counterfactual targets for editor training. A model that has memorised its training facts (the
 * embedded model has) already answers the training edits: MEND's edit loss is then near zero before any
 * update and SERAC's counterfactual model can answer from memory without reading the cached edit. Each
 * example instead gets the target of the next example of the same language (a rotation of the list:
 * deterministic, so a resumed run sees the same data), an answer the model does not give, as the
 * evaluation's new targets are.
 */
import type { EditExample } from './data.js';

/**
 * The examples with rotated targets: example i takes the target of the next example of its language (in
 * list order, wrapping); prompts, rephrases and locality pairs stay. An example alone in its language
 * keeps its own target.
 *
 * @example
 * ```ts
 * const train = rotateTargets(data.train); // train[i].target === data.train[i + 1].target (one language)
 * ```
 */
export function rotateTargets(examples: readonly EditExample[]): EditExample[] {
  const byLang = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const l = byLang.get(e.lang) ?? [];
    l.push(i);
    byLang.set(e.lang, l);
  });
  const out = [...examples];
  for (const idx of byLang.values()) {
    idx.forEach((i, k) => {
      const j = idx[(k + 1) % idx.length];
      out[i] = { ...examples[i], target: examples[j].target };
    });
  }
  return out;
}
