/**
 * Training pairs for IKE demonstration banks and corpora: `zsre_mend_train_<lang>_<n>.txt` files,
 * `question<TAB>new answer` per line, line i the same fact in every language (MzsRE/ReMaKE extracts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { readTextFile } from './file.js';
import type { TrainingPair } from './types.js';

/** One line of a training file. `answer` is `''` where the line has none. */
export interface TrainingLine {
  question: string;
  answer: string;
}

/** Line-aligned training pairs of several languages. */
export interface TrainingSet {
  /** The file read for each language. */
  files: Readonly<Record<string, string>>;
  languages: readonly string[];
  /** Usable pairs (both fields non-empty in every language), in line order. */
  pairs: readonly TrainingPair[];
  /** Number of lines per file. */
  total: number;
  /** 0-based line indices left out because a question or answer is empty in some language. */
  skipped: readonly number[];
}

/**
 * Parses a training file: one `question<TAB>answer` per line (surrounding spaces trimmed). A line
 * without a tab has an empty answer (some translated files drop the tab where the answer is empty).
 * @throws FormatError naming the file and line for a line with more than one tab or an empty line.
 */
export function parseTrainingLines(text: string, file: string): TrainingLine[] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new FormatError(file, 'the file has no lines');
  return lines.map((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const parts = line.split('\t');
    if (parts.length > 2) throw new FormatError(file, `line ${i + 1}: expected "question<TAB>answer", got ${parts.length - 1} tabs`);
    if (line.trim() === '') throw new FormatError(file, `line ${i + 1}: expected "question<TAB>answer", got an empty line`);
    return { question: parts[0].trim(), answer: (parts[1] ?? '').trim() };
  });
}

const TRAIN_NAME = /^zsre_mend_train_([A-Za-z-]+)_(\d+)\.txt$/;

/** Finds `zsre_mend_train_<lang>_<n>.txt` in `dir` for each language. */
export function findTrainingFiles(dir: string, langs: readonly string[]): Record<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new FormatError(dir, 'training data directory not found');
  }
  const out: Record<string, string> = {};
  for (const lang of langs) {
    const hits = names.filter((n) => TRAIN_NAME.exec(n)?.[1] === lang);
    if (hits.length === 0) throw new FormatError(dir, `no training file for language "${lang}" (expected zsre_mend_train_${lang}_<n>.txt)`);
    if (hits.length > 1) throw new FormatError(dir, `several training files for language "${lang}": ${hits.join(', ')}; pass the files explicitly`);
    out[lang] = join(dir, hits[0]);
  }
  return out;
}

/**
 * Loads line-aligned training pairs of the given languages, from a directory (files found by name)
 * or from explicit files. Lines whose question or answer is empty in any of the languages are left out,
 * keeping the others aligned.
 * @throws FormatError when the files have different numbers of lines (naming both files).
 * @example
 * const set = loadTrainingPairs('../shared/data/mzsre/train', ['en', 'zh']);
 * set.pairs[0].byLang.zh; // { question: 'Christiane Cohendy的母语是什么？', answer: '德语' }
 */
export function loadTrainingPairs(source: string | Readonly<Record<string, string>>, langs: readonly string[], opts: { limit?: number } = {}): TrainingSet {
  if (langs.length === 0) throw new Error('loadTrainingPairs: give at least one language');
  const files = typeof source === 'string' ? findTrainingFiles(source, langs) : { ...source };
  const lines: Record<string, TrainingLine[]> = {};
  for (const lang of langs) {
    const file = files[lang];
    if (!file) throw new Error(`loadTrainingPairs: no file given for language "${lang}"`);
    lines[lang] = parseTrainingLines(readTextFile(file).text, file);
  }
  const total = lines[langs[0]].length;
  for (const lang of langs) {
    if (lines[lang].length !== total) {
      throw new FormatError(files[lang], `has ${lines[lang].length} lines but ${files[langs[0]]} has ${total}; training files must be line-aligned`);
    }
  }
  const pairs: TrainingPair[] = [];
  const skipped: number[] = [];
  for (let i = 0; i < total; i++) {
    const byLang: Record<string, TrainingLine> = {};
    let ok = true;
    for (const lang of langs) {
      const l = lines[lang][i];
      if (!l.question || !l.answer) ok = false;
      byLang[lang] = l;
    }
    if (!ok) skipped.push(i);
    else if (opts.limit === undefined || pairs.length < opts.limit) pairs.push({ index: i, byLang });
  }
  return { files, languages: [...langs], pairs, total, skipped };
}
