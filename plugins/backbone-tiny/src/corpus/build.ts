/**
 * Builds the tiny backbone's bilingual corpus from the shared Bi-ZsRE / MzsRE data: the 10,000 aligned
 * English/Chinese training facts (question + answer), the Chinese dev set (question + gold answer,
 * paraphrase, locality pair), and the Bi-ZsRE test records' questions, paraphrases and locality pairs.
 * Everything an evaluation scores against stays out: the test records' `alt` targets and portability
 * answers (and the dev set's `alt` targets).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FormatError, Rng } from '@crossedit/core';
import { readDevSet, readPairs, readTestSet, readTrainRecords, type QA } from './read.js';

/** One training fact in both languages; `id` is its 0-based line number in the `mzsre/train` files. */
export interface Fact {
  id: number;
  en: QA;
  zh: QA;
  /** The English rephrase of the question (from the ZsRE training record of the same line), when there is one. */
  enRephrase?: string;
  /** The record's subject (English), when known. */
  subject?: string;
  /**
   * The ZsRE training record's real-world answer (its first `answers` entry), when it differs from `en.a`:
   * the MzsRE training pairs carry the record's counterfactual `alt` instead. A string to learn to spell
   * (`copyTrueAnswers`); never put after a question.
   */
  trueAnswer?: string;
  /**
   * The ZsRE training record's locality pair: a Natural Questions question (`nq question: …`) and its answer,
   * unrelated to the fact (`locLines`). Left out when an evaluation asks that question (a test or dev
   * record's `loc`).
   */
  loc?: QA;
}

/** A line of text that is not a training fact. */
export interface ExtraLine {
  kind: 'dev-qa' | 'dev-rephrase' | 'test-question' | 'test-rephrase' | 'loc';
  lang: 'en' | 'zh';
  text: string;
}

/** The corpus: training facts, held-out facts, other lines. */
export interface Corpus {
  facts: Fact[];
  heldOut: Fact[];
  extra: ExtraLine[];
}

/** Options of {@link buildCorpus}. */
export interface BuildCorpusOptions {
  /** Seed of the held-out split (default 1234). */
  seed?: number;
  /** Number of facts held out of training (default 500). */
  heldOut?: number;
}

/** The input files, relative to the shared folder. */
export const CORPUS_INPUTS = {
  trainEn: 'data/mzsre/train/zsre_mend_train_en_10000.txt',
  trainZh: 'data/mzsre/train/zsre_mend_train_zh_10000.txt',
  devZh: 'data/bizsre/zsre_mend_eval_chinese.json',
  test: 'data/bizsre/mzsre_test_duplicate_enzh.json',
  /** The ZsRE training records (subject, rephrase) line-aligned with `trainEn`. */
  trainEnRecords: 'data/zsre-train/zsre_mend_train_en_10000.json',
  /** The Bi-ZsRE test set `crossedit eval` scores (its subjects are kept out too). */
  testBizsre: 'data/bizsre/bizsre_test.json',
} as const;

/** A training sequence's text: the question, a space, the answer (the form teacher-forced evaluation uses). */
export function qaText(x: QA): string {
  return `${x.q} ${x.a}`;
}

/**
 * Reads the shared data and splits the facts (seeded) into training and held-out sets.
 *
 * @example
 * ```ts
 * const corpus = buildCorpus(sharedDir());
 * console.log(corpus.facts.length, corpus.heldOut.length); // 9500 500
 * ```
 */
export function buildCorpus(shared: string, opts: BuildCorpusOptions = {}): Corpus {
  const seed = opts.seed ?? 1234;
  const nHeld = opts.heldOut ?? 500;
  const enFile = path.join(shared, CORPUS_INPUTS.trainEn);
  const zhFile = path.join(shared, CORPUS_INPUTS.trainZh);
  const en = readPairs(enFile);
  const zh = readPairs(zhFile);
  if (en.length !== zh.length) throw new FormatError(zhFile, `has ${zh.length} lines but ${enFile} has ${en.length}; the files must be line-aligned`);
  // Records with an empty answer in either language (35 of 10,000) are not facts.
  const recFile = path.join(shared, CORPUS_INPUTS.trainEnRecords);
  const recs = readTrainRecords(recFile);
  if (recs.length !== en.length) throw new FormatError(recFile, `has ${recs.length} records but ${enFile} has ${en.length} lines; they must be line-aligned`);
  const all: Fact[] = en
    .map((e, i): Fact => {
      if (recs[i].src !== e.q) throw new FormatError(recFile, `record ${i}: src '${recs[i].src}' is not line ${i + 1} of ${enFile} ('${e.q}')`);
      const truth = recs[i].answers?.[0];
      return {
        id: i,
        en: e,
        zh: zh[i],
        ...(recs[i].rephrase && recs[i].rephrase !== e.q ? { enRephrase: recs[i].rephrase } : {}),
        subject: recs[i].subject,
        ...(truth && truth !== e.a ? { trueAnswer: truth } : {}),
        ...(recs[i].loc ? { loc: recs[i].loc } : {}),
      };
    })
    .filter((f) => f.en.a && f.zh.a);
  if (nHeld < 0 || nHeld >= all.length) throw new RangeError(`buildCorpus: heldOut must be in [0, ${all.length}), got ${nHeld}`);

  const order = all.map((f) => f.id);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const heldIds = new Set(order.slice(0, nHeld));
  const kept = all.filter((f) => !heldIds.has(f.id));
  const held = all.filter((f) => heldIds.has(f.id));

  // What evaluations score against: the test records' questions with their edit targets and the portability
  // questions. A dev or training record asking a test question is left out (4 Chinese dev records ask a test
  // question whose gold answer is that record's edit target).
  const test = readTestSet(path.join(shared, CORPUS_INPUTS.test));
  const testQuestions = new Set<string>();
  const forbidden = new Set<string>();
  // Every subject an evaluation edits: no training fact is about one of them (by subject or by mention).
  const testSubjects = new Set<string>();
  const bizsre = readTestSet(path.join(shared, CORPUS_INPUTS.testBizsre));
  for (const r of [...test, ...bizsre]) for (const s of [r.en, r.zh]) if (s.subject) testSubjects.add(s.subject);
  const mentions = mentionFinder([...testSubjects].filter((t) => t.length >= 4));
  const aboutTestSubject = (f: Fact): boolean => (f.subject !== undefined && testSubjects.has(f.subject)) || [f.en.q, f.zh.q, f.enRephrase ?? ''].some(mentions);
  for (const r of test) {
    for (const s of [r.en, r.zh]) {
      testQuestions.add(s.src);
      testQuestions.add(s.rephrase);
      testQuestions.add(s.portability.q);
      forbidden.add(`${s.src} ${s.alt}`);
      forbidden.add(`${s.rephrase} ${s.alt}`);
      forbidden.add(`${s.portability.q} ${s.portability.a}`);
    }
  }
  const clean = (f: Fact): boolean => !testQuestions.has(f.en.q) && !testQuestions.has(f.zh.q) && !testQuestions.has(f.enRephrase ?? '') && !aboutTestSubject(f);
  // the locality questions evaluations ask (test and dev records): no training record's pair is kept for one
  const dev = readDevSet(path.join(shared, CORPUS_INPUTS.devZh));
  const evalLocs = new Set<string>([...dev, ...[...test, ...bizsre].flatMap((r) => [r.en, r.zh])].map((r) => r.loc.trim()));
  const withoutEvalLoc = (f: Fact): Fact => {
    if (!f.loc || !evalLocs.has(f.loc.q)) return f;
    const { loc: _, ...rest } = f;
    return rest;
  };
  const facts = kept.filter(clean).map(withoutEvalLoc);
  const heldOut = held.filter(clean).map(withoutEvalLoc);

  const extra: ExtraLine[] = [];
  const seen = new Set<string>();
  const push = (kind: ExtraLine['kind'], lang: ExtraLine['lang'], text: string): void => {
    const t = text.trim();
    if (!t || seen.has(t) || forbidden.has(t)) return;
    seen.add(t);
    extra.push({ kind, lang, text: t });
  };
  for (const r of dev) {
    if (testQuestions.has(r.src) || testQuestions.has(r.rephrase)) continue;
    if (r.answers.length) push('dev-qa', 'zh', `${r.src} ${r.answers[0]}`);
    push('dev-rephrase', 'zh', r.rephrase);
    push('loc', /[\u4e00-\u9fff]/.test(r.loc) ? 'zh' : 'en', `${r.loc} ${r.locAns}`);
  }
  for (const r of test) {
    for (const lang of ['en', 'zh'] as const) {
      const s = r[lang];
      push('test-question', lang, s.src);
      push('test-rephrase', lang, s.rephrase);
      push('loc', lang, `${s.loc} ${s.locAns}`);
    }
  }
  return { facts, heldOut, extra };
}

/** A test for whether a text contains one of `needles` (each at least 4 characters), indexed by their first 4 characters. */
function mentionFinder(needles: readonly string[]): (text: string) => boolean {
  const byPrefix = new Map<string, string[]>();
  for (const n of needles) {
    const k = n.slice(0, 4);
    byPrefix.set(k, [...(byPrefix.get(k) ?? []), n]);
  }
  return (text) => {
    for (let i = 0; i + 4 <= text.length; i++) {
      const cands = byPrefix.get(text.slice(i, i + 4));
      if (cands?.some((n) => text.startsWith(n, i))) return true;
    }
    return false;
  };
}

/** Every text of the corpus a tokenizer is trained on: the training facts in both languages and the other lines (not the held-out facts). */
export function tokenizerTexts(c: Corpus): string[] {
  return [...c.facts.flatMap((f) => [qaText(f.en), qaText(f.zh)]), ...c.extra.map((e) => e.text)];
}

/** The files {@link writeCorpus} writes, relative to its output folder. */
export const CORPUS_FILES = {
  facts: 'facts.jsonl',
  heldOut: 'heldout.jsonl',
  extra: 'extra.jsonl',
  tokenizerText: 'tokenizer-train.txt',
  manifest: 'manifest.json',
} as const;

/** Writes the corpus as JSONL (one record a line) plus a plain-text file for tokenizer training and a manifest. */
export function writeCorpus(c: Corpus, outDir: string, meta: { shared: string; seed: number }): void {
  mkdirSync(outDir, { recursive: true });
  const jsonl = (xs: readonly unknown[]): string => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(path.join(outDir, CORPUS_FILES.facts), jsonl(c.facts));
  writeFileSync(path.join(outDir, CORPUS_FILES.heldOut), jsonl(c.heldOut));
  writeFileSync(path.join(outDir, CORPUS_FILES.extra), jsonl(c.extra));
  writeFileSync(path.join(outDir, CORPUS_FILES.tokenizerText), tokenizerTexts(c).join('\n') + '\n');
  const inputs = Object.fromEntries(
    Object.entries(CORPUS_INPUTS).map(([k, rel]) => [k, { path: rel, sha256: createHash('sha256').update(readFileSync(path.join(meta.shared, rel))).digest('hex') }]),
  );
  const counts: Record<string, number> = { facts: c.facts.length, heldOut: c.heldOut.length };
  for (const e of c.extra) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  writeFileSync(path.join(outDir, CORPUS_FILES.manifest), JSON.stringify({ seed: meta.seed, inputs, counts }, null, 2) + '\n');
}

/** Reads a JSONL file written by {@link writeCorpus}. */
export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch (e) {
        throw new FormatError(file, `line ${i + 1}: not valid JSON (${(e as Error).message})`);
      }
    });
}

/** Reads a corpus written by {@link writeCorpus}. */
export function readCorpus(dir: string): Corpus {
  return {
    facts: readJsonl<Fact>(path.join(dir, CORPUS_FILES.facts)),
    heldOut: readJsonl<Fact>(path.join(dir, CORPUS_FILES.heldOut)),
    extra: readJsonl<ExtraLine>(path.join(dir, CORPUS_FILES.extra)),
  };
}
