/**
 * Training examples for the conformance runs of the trained editors (MEND, SERAC): invented facts in
 * the style of `@crossedit/testing`'s `CONFORMANCE_REQUESTS` (which are among them, so the tiny
 * artifact trained in the test has seen the suite's edits), with paraphrases and locality pairs. Every
 * word is passed to the suite's word tokenizer (`CONFORMANCE_VOCABULARY`).
 */
import type { EditExample } from '../data.js';

const FACTS: [string, string, string, string, string][] = [
  ['The capital of Veltria is', 'Morvan', 'Veltria has the capital', 'The river of Ostra flows', 'north'],
  ['The author of Quillon was', 'Darsel Brook', 'Quillon was written by', 'The color of Pemba is', 'green'],
  ['The capital of Dorrin is', 'Kelm', 'Dorrin has the capital', 'The sport of Tavi is', 'chess'],
  ['The author of Ombrel was', 'Fenna Roe', 'Ombrel was written by', 'The river of Lusk flows', 'south'],
  ['The capital of Sarnet is', 'Pirov', 'Sarnet has the capital', 'The color of Hald is', 'blue'],
  ['The author of Vessa was', 'Tomas Vey', 'Vessa was written by', 'The sport of Bram is', 'polo'],
];

/** The examples (English). */
export const CONFORMANCE_EXAMPLES: EditExample[] = FACTS.map(([prompt, target, rephrase, loc, locAns], index) => ({ index, lang: 'en', prompt, target, rephrase, loc, locAns }));

/** Every text of {@link CONFORMANCE_EXAMPLES}, for the suite's `vocabulary` option. */
export const CONFORMANCE_VOCABULARY: string[] = FACTS.flat();

/** A data source record for artifacts trained on them. */
export const CONFORMANCE_SOURCE = { file: 'conformance-facts', sha256: 'conformance', lang: 'en', format: 'zsre' as const, limit: null, used: FACTS.length, validation: 1 };
