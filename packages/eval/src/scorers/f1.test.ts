import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PieceTokenizer } from '@crossedit/testing/fixtures';
import { exactMatch, multisetOverlap, textScores, tokenF1, tokenizeForF1 } from './f1.js';

const words = (s: string) => s.split(/\s+/).filter(Boolean);
const chars = (s: string) => [...s];

describe('multisetOverlap', () => {
  it('counts each token at most as often as it occurs on both sides', () => {
    expect(multisetOverlap([1, 1, 2], [1, 3, 1, 1])).toBe(2);
    expect(multisetOverlap(chars('牛牛牛'), chars('天牛'))).toBe(1);
    expect(multisetOverlap([], [1])).toBe(0);
  });
});

describe('tokenF1 (hand-computed)', () => {
  it('English words: "the red cat" vs "the cat" → P = 2/3, R = 1', () => {
    const a = words('the red cat');
    const b = words('the cat');
    expect(tokenF1(a, b)).toBeCloseTo((2 * (2 / 3) * 1) / (2 / 3 + 1), 12); // 0.8
    expect(tokenF1(a, b)).toBeCloseTo(0.8, 12);
    expect(tokenF1(a, b, 'precision-x-recall')).toBeCloseTo(2 / 3, 12);
  });

  it('Chinese characters: 天牛科 vs 沟胫天牛亚科 → 3 common, P = 1, R = 1/2', () => {
    expect(tokenF1(chars('天牛科'), chars('沟胫天牛亚科'))).toBeCloseTo(2 / 3, 12);
    expect(tokenF1(chars('天牛科'), chars('沟胫天牛亚科'), 'precision-x-recall')).toBeCloseTo(0.5, 12);
  });

  it('repeated tokens count once per match: 牛牛牛 vs 天牛 → P = 1/3, R = 1/2', () => {
    expect(tokenF1(chars('牛牛牛'), chars('天牛'))).toBeCloseTo(0.4, 12);
    expect(tokenF1(chars('牛牛牛'), chars('天牛'), 'precision-x-recall')).toBeCloseTo(1 / 6, 12);
  });

  it('zero overlap is 0, not NaN (the reference divides by zero there), in both languages', () => {
    expect(tokenF1(words('Lamiinae'), words('Cerambycidae'))).toBe(0);
    expect(tokenF1(chars('天牛科'), chars('德语'))).toBe(0);
    expect(tokenF1(chars('天牛科'), words('Lamiinae'), 'precision-x-recall')).toBe(0);
  });

  it('empty sides: both empty → 1, one empty → 0', () => {
    expect(tokenF1([], [])).toBe(1);
    expect(tokenF1([], ['a'])).toBe(0);
    expect(tokenF1(['a'], [])).toBe(0);
  });

  it('symmetry: harmonic F1 does not depend on which side is the answer', () => {
    expect(tokenF1(words('a b c d'), words('b c e'))).toBeCloseTo(tokenF1(words('b c e'), words('a b c d')), 12);
  });
});

describe('exactMatch / textScores', () => {
  it('EM is exact string equality (case and spaces matter)', () => {
    expect(exactMatch('Lamiinae', 'Lamiinae')).toBe(1);
    expect(exactMatch('lamiinae', 'Lamiinae')).toBe(0);
    expect(exactMatch('沟胫天牛亚科', '沟胫天牛亚科')).toBe(1);
    expect(exactMatch('沟胫天牛亚科 ', '沟胫天牛亚科')).toBe(0);
  });

  it('textScores combines both; precision-x-recall keeps the reference rules for empty token lists', () => {
    expect(textScores('天牛科', '沟胫天牛亚科', chars)).toEqual({ f1: expect.closeTo(2 / 3, 12), em: 0 });
    expect(textScores('Los Angeles', 'Los Angeles', words, 'precision-x-recall')).toEqual({ f1: 1, em: 1 });
    // Both tokenize to nothing but differ as strings: the reference returns (1, 1).
    expect(textScores(' ', '', words, 'precision-x-recall')).toEqual({ f1: 1, em: 1 });
    expect(textScores(' ', '', words, 'harmonic')).toEqual({ f1: 1, em: 0 });
  });

  it('tokenizeForF1 uses the tokenizer ids without BOS', () => {
    const tok = new PieceTokenizer();
    const t = tokenizeForF1(tok);
    expect(t('Los Angeles')).toEqual(tok.encode('Los Angeles', { addBos: false }).ids);
    expect(t('Los Angeles')).not.toContain(1);
  });
});

interface GoldenCase {
  answer: string;
  reference: string;
  answerIds: number[];
  referenceIds: number[];
  bizsre2023: { f1: number; em: number };
  bizsre2024: { f1: number | null; em: number };
}

describe('golden: Chinese-LLaMA-Plus token ids scored by the Python reference (scripts/make-f1-fixture.py)', () => {
  const fx = JSON.parse(readFileSync(new URL('./__fixtures__/f1-chinese-llama-plus.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };
  const ids = new Map<string, number[]>();
  for (const c of fx.cases) {
    ids.set(c.answer, c.answerIds);
    ids.set(c.reference, c.referenceIds);
  }
  const lookup = (s: string) => {
    const v = ids.get(s);
    if (!v) throw new Error(`no ids for ${s}`);
    return v;
  };

  it('has cases in both languages, including zero overlap', () => {
    expect(fx.cases.length).toBeGreaterThan(50);
    expect(fx.cases.some((c) => /[\u4e00-\u9fff]/.test(c.answer))).toBe(true);
    expect(fx.cases.some((c) => c.bizsre2024.f1 === null)).toBe(true);
  });

  it('precision-x-recall equals the 2023 reference exactly', () => {
    for (const c of fx.cases) {
      const s = textScores(c.answer, c.reference, lookup, 'precision-x-recall');
      expect(s.f1, `${c.answer} | ${c.reference}`).toBeCloseTo(c.bizsre2023.f1, 12);
      expect(s.em).toBe(c.bizsre2023.em);
    }
  });

  it('harmonic equals the 2024 reference, and 0 where the reference divides by zero', () => {
    for (const c of fx.cases) {
      const s = textScores(c.answer, c.reference, lookup, 'harmonic');
      expect(s.f1, `${c.answer} | ${c.reference}`).toBeCloseTo(c.bizsre2024.f1 ?? 0, 12);
      expect(s.em).toBe(c.bizsre2024.em);
    }
  });
});
