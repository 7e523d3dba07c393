import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '@crossedit/core';
import { sharedOrNull } from '../testing/shared.js';
import { buildCorpus, CORPUS_FILES, CORPUS_INPUTS, readCorpus, tokenizerTexts, writeCorpus } from './build.js';
import { readPairs } from './read.js';

const shared = sharedOrNull();

describe.skipIf(!shared)('buildCorpus (shared data)', () => {
  const corpus = buildCorpus(shared!, { seed: 1234, heldOut: 500 });

  it('keeps the aligned facts with answers in both languages (less the few about test subjects) and holds 500 out', () => {
    const en = readPairs(path.join(shared!, CORPUS_INPUTS.trainEn));
    const zh = readPairs(path.join(shared!, CORPUS_INPUTS.trainZh));
    const withAnswers = en.filter((_, i) => en[i].a && zh[i].a).length;
    // 19 of the facts with answers are about a subject the test set edits (see the next test)
    expect(withAnswers - corpus.facts.length - corpus.heldOut.length).toBe(19);
    expect(corpus.heldOut).toHaveLength(500);
    const held = new Set(corpus.heldOut.map((f) => f.id));
    expect(corpus.facts.some((f) => held.has(f.id))).toBe(false);
    expect(corpus.facts[0]).toEqual({
      id: 0,
      en: { q: 'What is the native language of Christiane Cohendy?', a: 'German' },
      zh: { q: 'Christiane Cohendy的母语是什么？', a: '德语' },
      enRephrase: "What's Christiane Cohendy's mother tongue?",
      subject: 'Christiane Cohendy',
      trueAnswer: 'French',
      loc: { q: 'nq question: what is the most current season of the walking dead', a: 'The eighth season' },
    });
    expect(corpus.facts.filter((f) => f.enRephrase).length).toBeGreaterThan(0.95 * corpus.facts.length);
  });

  it('keeps every fact about a subject an evaluation edits out (by subject and by mention)', () => {
    const subjects = new Set<string>();
    for (const rel of [CORPUS_INPUTS.test, CORPUS_INPUTS.testBizsre]) {
      const test = JSON.parse(readFileSync(path.join(shared!, rel), 'utf8')) as Record<'en' | 'zh', { subject: string }>[];
      for (const r of test) for (const s of [r.en, r.zh]) subjects.add(s.subject.trim());
    }
    const records = JSON.parse(readFileSync(path.join(shared!, CORPUS_INPUTS.trainEnRecords), 'utf8')) as { subject: string }[];
    const about = records.map((r, i) => ({ r, i })).filter(({ r }) => subjects.has(r.subject.trim()));
    expect(about.length).toBeGreaterThan(0); // the training records do share subjects with the test set
    const kept = new Set([...corpus.facts, ...corpus.heldOut].map((f) => f.id));
    for (const { i } of about) expect(kept.has(i)).toBe(false);
    const long = [...subjects].filter((t) => t.length >= 4);
    const mentions = [...corpus.facts, ...corpus.heldOut].filter((f) => long.some((t) => f.en.q.includes(t) || f.zh.q.includes(t) || (f.enRephrase ?? '').includes(t)));
    expect(mentions.map((f) => f.id)).toEqual([]);
  });

  it('never contains what an evaluation scores against (test alt targets, portability answers)', () => {
    const test = JSON.parse(readFileSync(path.join(shared!, CORPUS_INPUTS.test), 'utf8')) as Record<'en' | 'zh', { src: string; rephrase: string; alt: string; portability: Record<string, string> }>[];
    const lines = tokenizerTexts(corpus);
    const texts = new Set(lines);
    const questions = new Set(test.flatMap((r) => [r.en, r.zh].flatMap((s) => [s.src.trim(), s.rephrase.trim()])));
    for (const r of test) {
      for (const lang of ['en', 'zh'] as const) {
        const s = r[lang];
        expect(texts.has(s.src.trim())).toBe(true);
        expect(texts.has(`${s.src.trim()} ${s.alt.trim()}`)).toBe(false);
        expect(texts.has(`${s.rephrase.trim()} ${s.alt.trim()}`)).toBe(false);
        expect(texts.has(`${s.portability['New Question'].trim()} ${s.portability['New Answer'].trim()}`)).toBe(false);
        // a portability question only ever appears bare, where it is also a test question (one zh case)
        const port = s.portability['New Question'].trim();
        for (const l of lines) if (l.includes(port)) expect(questions.has(l)).toBe(true);
      }
    }
    // a dev record asking a test question is left out (its gold answer is the test record's target)
    expect(texts.has('宋凯的性别是什么？ 男性')).toBe(false);
    // dev-set lines carry the gold answer, never the alt target
    expect(texts.has('瓦茨·汉弗莱就读于哪所大学？ 伊利诺伊理工学院')).toBe(true);
    expect(texts.has('瓦茨·汉弗莱就读于哪所大学？ 密歇根大学')).toBe(false);
  });

  it('is deterministic for a seed and round-trips through its files', () => {
    const again = buildCorpus(shared!, { seed: 1234, heldOut: 500 });
    expect(again.heldOut.map((f) => f.id)).toEqual(corpus.heldOut.map((f) => f.id));
    const other = buildCorpus(shared!, { seed: 99, heldOut: 500 });
    expect(other.heldOut.map((f) => f.id)).not.toEqual(corpus.heldOut.map((f) => f.id));
    const dir = mkdtempSync(path.join(tmpdir(), 'tiny-corpus-'));
    writeCorpus(corpus, dir, { shared: shared!, seed: 1234 });
    expect(readCorpus(dir)).toEqual(corpus);
    const manifest = JSON.parse(readFileSync(path.join(dir, CORPUS_FILES.manifest), 'utf8'));
    expect(manifest.inputs.trainEn.sha256).toBe('247d69166cf25380471f9373345562f117e67df506228db178b0e734614610fb');
  });
});

describe('readPairs', () => {
  it('names the file and line of a malformed record', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tiny-pairs-')), 'bad.txt');
    writeFileSync(file, 'Q1?\tA1\nQ2? no tab\n');
    expect(() => readPairs(file)).toThrow(FormatError);
    expect(() => readPairs(file)).toThrow(/bad\.txt: line 2: expected 'question<TAB>answer'/);
  });

  it('trims and keeps empty answers as empty strings', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tiny-pairs-')), 'ok.txt');
    writeFileSync(file, 'Q1? \tA1\nQ2?\t\n');
    expect(readPairs(file)).toEqual([
      { q: 'Q1?', a: 'A1' },
      { q: 'Q2?', a: '' },
    ]);
  });
});

describe('buildCorpus: locality pairs', () => {
  /** A shared folder of three training facts, one dev record and one test record (in both test files). */
  function miniShared(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'tiny-shared-'));
    const write = (rel: string, text: string): void => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    const qs = ['Where is Aa from?', 'Where is Bb from?', 'Where is Cc from?'];
    write(CORPUS_INPUTS.trainEn, qs.map((q, i) => `${q}\tA${i}\n`).join(''));
    write(CORPUS_INPUTS.trainZh, qs.map((_, i) => `问题${i}？\t答${i}\n`).join(''));
    const locs = ['nq question: who won the cup', 'nq question: who asked the test', 'nq question: who asked the dev'];
    write(CORPUS_INPUTS.trainEnRecords, JSON.stringify(qs.map((q, i) => ({ subject: q.split(' ')[2], src: q, rephrase: `R${i}?`, alt: `A${i}`, answers: [`T${i}`], loc: locs[i], loc_ans: `L${i}` }))));
    const side = (lang: string) => ({ subject: `Test${lang}`, src: `Where is Test${lang} from?`, rephrase: `R${lang}?`, loc: `${locs[1]} `, loc_ans: 'x', alt: 'y', portability: { 'New Question': 'P?', 'New Answer': 'p' } });
    write(CORPUS_INPUTS.test, JSON.stringify([{ en: side('en'), zh: side('zh') }]));
    write(CORPUS_INPUTS.testBizsre, JSON.stringify([{ en: side('en'), zh: side('zh') }]));
    write(CORPUS_INPUTS.devZh, JSON.stringify([{ src: '开发？', rephrase: '开发2？', answers: ['金'], loc: locs[2], loc_ans: 'z' }]));
    return dir;
  }

  it("keeps each training record's pair as Fact.loc, less those whose question an evaluation asks (test or dev)", () => {
    const c = buildCorpus(miniShared(), { heldOut: 0 });
    expect(c.facts.map((f) => f.id)).toEqual([0, 1, 2]);
    expect(c.facts[0].loc).toEqual({ q: 'nq question: who won the cup', a: 'L0' });
    expect(c.facts[1].loc).toBeUndefined(); // the test records' locality question (trimmed)
    expect(c.facts[2].loc).toBeUndefined(); // the dev record's
    expect(c.facts[2].trueAnswer).toBe('T2'); // the rest of the fact is kept
  });

  it('names the file and record of a malformed loc field', () => {
    const dir = miniShared();
    const file = path.join(dir, CORPUS_INPUTS.trainEnRecords);
    const recs = JSON.parse(readFileSync(file, 'utf8'));
    recs[1].loc_ans = 7;
    writeFileSync(file, JSON.stringify(recs));
    expect(() => buildCorpus(dir, { heldOut: 0 })).toThrow(/zsre_mend_train_en_10000\.json: record 1: field 'loc_ans' must be a string, got number/);
  });
});
