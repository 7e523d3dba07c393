import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../testing/shared.js';
import { loadTrainingPairs, parseTrainingLines } from './training.js';

describe('parseTrainingLines', () => {
  it('splits on the tab, trims, and reads a missing tab as an empty answer', () => {
    expect(parseTrainingLines('Q1 \tA1\nQ2?\nQ3\t\n', 'f.txt')).toEqual([
      { question: 'Q1', answer: 'A1' },
      { question: 'Q2?', answer: '' },
      { question: 'Q3', answer: '' },
    ]);
  });

  it('names the file and line of a bad line', () => {
    expect(() => parseTrainingLines('a\tb\nc\td\n\te\tf\n', 'f.txt')).toThrow('f.txt: line 3: expected "question<TAB>answer", got 2 tabs');
    expect(() => parseTrainingLines('a\tb\n\nc\td\n', 'f.txt')).toThrow('f.txt: line 2: expected "question<TAB>answer", got an empty line');
  });
});

describe('loadTrainingPairs', () => {
  it('aligns languages by line and leaves out lines empty in any language', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-'));
    writeFileSync(join(dir, 'zsre_mend_train_en_3.txt'), 'Q0\tA0\nQ1\t\nQ2\tA2\n');
    writeFileSync(join(dir, 'zsre_mend_train_zh_3.txt'), '问0\t答0\n问1\t答1\n问2\t答2\n');
    const set = loadTrainingPairs(dir, ['en', 'zh']);
    expect(set.total).toBe(3);
    expect(set.skipped).toEqual([1]);
    expect(set.pairs).toEqual([
      { index: 0, byLang: { en: { question: 'Q0', answer: 'A0' }, zh: { question: '问0', answer: '答0' } } },
      { index: 2, byLang: { en: { question: 'Q2', answer: 'A2' }, zh: { question: '问2', answer: '答2' } } },
    ]);
    expect(loadTrainingPairs(dir, ['zh'], { limit: 1 }).pairs).toHaveLength(1);
  });

  it('rejects files of different lengths and missing languages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-'));
    writeFileSync(join(dir, 'zsre_mend_train_en_3.txt'), 'Q0\tA0\nQ1\tA1\n');
    writeFileSync(join(dir, 'zsre_mend_train_zh_3.txt'), '问0\t答0\n');
    expect(() => loadTrainingPairs(dir, ['en', 'zh'])).toThrow(/zsre_mend_train_zh_3.txt: has 1 lines but .*zsre_mend_train_en_3.txt has 2; training files must be line-aligned/);
    expect(() => loadTrainingPairs(dir, ['fr'])).toThrow(/no training file for language "fr"/);
  });
});

const trainDir = sharedPath('data/mzsre/train');
describe.skipIf(!trainDir)('the shared MzsRE training pairs', () => {
  it('en/zh/cz: 10000 aligned lines; empty answers (with or without a tab) are left out', () => {
    const set = loadTrainingPairs(trainDir as string, ['en', 'zh', 'cz']);
    expect(set.total).toBe(10000);
    expect(set.pairs[0].byLang.zh).toEqual({ question: 'Christiane Cohendy的母语是什么？', answer: '德语' });
    expect(set.skipped).toContain(39); // "What gender is Tanja Damaske of?" has no answer
    expect(set.pairs[set.pairs.length - 1].byLang.en.answer).toBe('Finland');
  });
});
