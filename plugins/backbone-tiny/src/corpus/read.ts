/** Readers of the shared data files the corpus is built from, with errors that name the file, record and field. */
import { readFileSync } from 'node:fs';
import { FormatError } from '@crossedit/core';

/** One question and its answer in one language. */
export interface QA {
  q: string;
  a: string;
}

/**
 * Reads a `question<TAB>answer` file (`mzsre/train/zsre_mend_train_<xx>_10000.txt`), one record a line.
 * Questions and answers are trimmed (some non-English questions end with a space before the tab). Some
 * records have an empty answer (35 of the 10,000); they are returned with `a: ''`.
 */
export function readPairs(file: string): QA[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    const cols = line.replace(/\r$/, '').split('\t');
    if (cols.length !== 2) throw new FormatError(file, `line ${i + 1}: expected 'question<TAB>answer' (2 columns), got ${cols.length}`);
    const q = cols[0].trim();
    const a = cols[1].trim();
    if (!q) throw new FormatError(file, `line ${i + 1}: empty question`);
    return { q, a };
  });
}

/** The fields of a Chinese dev record (`zsre_mend_eval_chinese.json`) the corpus uses. */
export interface DevRecord {
  src: string;
  rephrase: string;
  /** The gold answers; the `alt` edit target is deliberately not read. */
  answers: string[];
  loc: string;
  locAns: string;
}

/** Reads the Bi-ZsRE Chinese dev set; `alt`, `pred` and `cond` are not read. */
export function readDevSet(file: string): DevRecord[] {
  const data = parseJson(file);
  if (!Array.isArray(data)) throw new FormatError(file, 'expected a JSON list of records');
  return data.map((r, i) => {
    const rec = asObject(file, r, `record ${i}`);
    const answers = rec.answers;
    if (!Array.isArray(answers) || answers.some((a) => typeof a !== 'string')) {
      throw new FormatError(file, `record ${i}: field 'answers' must be a list of strings`);
    }
    return {
      src: str(file, rec, 'src', `record ${i}`),
      rephrase: str(file, rec, 'rephrase', `record ${i}`),
      answers: (answers as string[]).map((a) => a.trim()).filter(Boolean),
      loc: str(file, rec, 'loc', `record ${i}`),
      locAns: str(file, rec, 'loc_ans', `record ${i}`),
    };
  });
}

/** One side of a Bi-ZsRE test record. */
export interface TestSide {
  /** The edited subject. */
  subject: string;
  src: string;
  rephrase: string;
  loc: string;
  locAns: string;
  /** The edit target: read only so the corpus can make sure it never contains it. */
  alt: string;
  /** The portability question and answer: read only to keep them out. */
  portability: QA;
}

/** Reads a Bi-ZsRE test file (`[{en: {...}, zh: {...}}]`). */
export function readTestSet(file: string): { en: TestSide; zh: TestSide }[] {
  const data = parseJson(file);
  if (!Array.isArray(data)) throw new FormatError(file, 'expected a JSON list of {en, zh} records');
  return data.map((r, i) => {
    const rec = asObject(file, r, `record ${i}`);
    const side = (lang: 'en' | 'zh'): TestSide => {
      const s = asObject(file, rec[lang], `record ${i}.${lang}`);
      const where = `record ${i}.${lang}`;
      const port = asObject(file, s.portability, `${where}.portability`);
      return {
        subject: str(file, s, 'subject', where),
        src: str(file, s, 'src', where),
        rephrase: str(file, s, 'rephrase', where),
        loc: str(file, s, 'loc', where),
        locAns: str(file, s, 'loc_ans', where),
        alt: str(file, s, 'alt', where),
        portability: { q: str(file, port, 'New Question', `${where}.portability`), a: str(file, port, 'New Answer', `${where}.portability`) },
      };
    };
    return { en: side('en'), zh: side('zh') };
  });
}

/** The fields of a ZsRE training record the corpus uses. */
export interface TrainRecord {
  subject: string;
  src: string;
  rephrase: string;
  /** The record's real-world answers (`answers`), when it lists them; its `alt` is the MzsRE pair's answer. */
  answers?: string[];
  /** The record's locality pair (`loc`, `loc_ans`: a Natural Questions question and its answer), when it has one. */
  loc?: QA;
}

/** Reads the ZsRE training records (`[{subject, src, rephrase, answers?, loc?, loc_ans?, ...}]`). */
export function readTrainRecords(file: string): TrainRecord[] {
  const data = parseJson(file);
  if (!Array.isArray(data)) throw new FormatError(file, 'expected a JSON list of ZsRE records');
  return data.map((r, i) => {
    const rec = asObject(file, r, `record ${i}`);
    const out: TrainRecord = { subject: str(file, rec, 'subject', `record ${i}`), src: str(file, rec, 'src', `record ${i}`), rephrase: str(file, rec, 'rephrase', `record ${i}`) };
    if (rec.answers !== undefined) {
      if (!Array.isArray(rec.answers) || !rec.answers.every((a) => typeof a === 'string')) throw new FormatError(file, `record ${i}: field 'answers' must be a list of strings`);
      out.answers = rec.answers.map((a: string) => a.trim());
    }
    if (rec.loc !== undefined || rec.loc_ans !== undefined) {
      const q = str(file, rec, 'loc', `record ${i}`).trim();
      const a = str(file, rec, 'loc_ans', `record ${i}`).trim();
      if (q && a) out.loc = { q, a };
    }
    return out;
  });
}

function parseJson(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `not valid JSON (${(e as Error).message})`);
  }
}

function asObject(file: string, v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(file, `${where}: expected an object`);
  return v as Record<string, unknown>;
}

function str(file: string, rec: Record<string, unknown>, key: string, where: string): string {
  const v = rec[key];
  if (typeof v !== 'string') throw new FormatError(file, `${where}: field '${key}' must be a string, got ${v === undefined ? 'nothing' : typeof v}`);
  return v.trim();
}
