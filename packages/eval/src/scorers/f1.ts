/** F1 over token multisets and exact match, as the Bi-ZsRE paper scores decoded answers. */
import type { Tokenizer } from '@crossedit/core';

/** How "F1" is computed from precision P and recall R. */
export type F1Formula = 'harmonic' | 'precision-x-recall';

/** Splits a string into the tokens F1 counts (ids or strings). */
export type TextTokenize = (text: string) => readonly (number | string)[];

/** The F1 tokenizer the paper used for every backbone. The host loads it (see docs/scoring.md). */
export const DEFAULT_F1_TOKENIZER = 'chinese-llama-plus-7b';

/**
 * Tokens of a string for F1: the tokenizer's ids without BOS (as `tokenizer.encode(text,
 * add_special_tokens=False)` in the reference).
 */
export function tokenizeForF1(tokenizer: Tokenizer): TextTokenize {
  return (text) => tokenizer.encode(text, { addBos: false }).ids;
}

/**
 * Size of the multiset intersection of `a` and `b` (each token matched at most as often as it occurs
 * in both).
 * @example multisetOverlap([1, 1, 2], [1, 3, 1, 1]) // 2
 */
export function multisetOverlap<T>(a: readonly T[], b: readonly T[]): number {
  const counts = new Map<T, number>();
  for (const t of b) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of a) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  return common;
}

/**
 * F1 of an answer's tokens against a reference's tokens. Both empty → 1; one empty → 0; no common
 * token → 0 (the reference's harmonic version divides by zero there).
 * `precision-x-recall` is what the paper's code reported as "F1": |common|² / (|answer|·|reference|).
 * @example tokenF1(['a', 'b'], ['a', 'c', 'd']) // P = 1/2, R = 1/3 → 0.4
 */
export function tokenF1(answer: readonly (number | string)[], reference: readonly (number | string)[], formula: F1Formula = 'harmonic'): number {
  if (answer.length === 0 && reference.length === 0) return 1;
  if (answer.length === 0 || reference.length === 0) return 0;
  const common = multisetOverlap(answer, reference);
  if (common === 0) return 0;
  const p = common / answer.length;
  const r = common / reference.length;
  return formula === 'harmonic' ? (2 * p * r) / (p + r) : p * r;
}

/** 1 when the strings are identical, else 0. */
export function exactMatch(answer: string, reference: string): 0 | 1 {
  return answer === reference ? 1 : 0;
}

/** F1 and EM of one answer. */
export interface TextScores {
  f1: number;
  em: number;
}

/**
 * F1 and EM of two strings, tokenized with `tokenize`. With `precision-x-recall` the reference's
 * exact rules apply: both token lists empty → (1, 1), one empty → (0, 0), else EM = string equality.
 * With `harmonic` EM is always string equality.
 * @example
 * textScores('天牛科', '沟胫天牛亚科', (s) => [...s]) // { f1: 2·(1·0.5)/(1+0.5) = 0.667, em: 0 }
 */
export function textScores(answer: string, reference: string, tokenize: TextTokenize, formula: F1Formula = 'harmonic'): TextScores {
  const a = tokenize(answer);
  const b = tokenize(reference);
  const f1 = tokenF1(a, b, formula);
  if (formula === 'precision-x-recall') {
    if (a.length === 0 && b.length === 0) return { f1, em: 1 };
    if (a.length === 0 || b.length === 0) return { f1, em: 0 };
  }
  return { f1, em: exactMatch(answer, reference) };
}
