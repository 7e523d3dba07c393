/**
 * Training data of the trained editors: ZsRE-format JSON (`src, alt, rephrase, loc, loc_ans`, as
 * EasyEdit's `zsre_mend_train_10000.json`) or question/answer pairs files (`question<TAB>answer`, the
 * MzsRE Chinese training pairs), where the locality input of example i is another training question
 * (the answer of that question serves as its continuation; the loss is KL against the base model, so
 * its correctness does not matter). The last `validation` examples of a file are held out.
 */
import { basename } from 'node:path';
import { FormatError } from '@crossedit/core';
import { parseTrainingLines, parseZsre } from '@crossedit/eval';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { DataSource } from './artifact.js';

/** One training example. */
export interface EditExample {
  /** Index in its file. */
  index: number;
  lang: string;
  prompt: string;
  target: string;
  /** A paraphrase of the prompt, when the file has one. */
  rephrase?: string;
  /** The locality input and its continuation. */
  loc: string;
  locAns: string;
}

/** Loaded training data. */
export interface EditorData {
  train: EditExample[];
  validation: EditExample[];
  source: DataSource;
}

/** Options of {@link loadEditorData}. */
export interface LoadEditorDataOptions {
  lang: string;
  /** Use the first N training examples (`--train-limit`). */
  limit?: number;
  /** Examples held out from the end of the file for validation (default 50). */
  validation?: number;
}

function detect(text: string): 'zsre' | 'pairs' {
  return text.trimStart().startsWith('[') ? 'zsre' : 'pairs';
}

/**
 * Reads a training file. Every record is checked before any is used, so a malformed one is an error
 * naming the file, the record index and the field, and nothing is trained on.
 *
 * @example
 * ```ts
 * const d = loadEditorData('../shared/data/zsre-train/zsre_mend_train_en_10000.json', { lang: 'en', limit: 500 });
 * d.train.length; // 500
 * ```
 */
export function loadEditorData(file: string, opts: LoadEditorDataOptions): EditorData {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FormatError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  const format = detect(text);
  let all: EditExample[];
  if (format === 'zsre') {
    const ds = parseZsre(text, file, opts.lang, { extraKeys: 'ignore' });
    all = ds.records.map((r) => ({ index: r.index, lang: opts.lang, prompt: r.src, target: r.alt, rephrase: r.rephrase, loc: r.loc, locAns: r.locAns }));
  } else {
    const lines = parseTrainingLines(text, file)
      .map((l, index) => ({ ...l, index }))
      .filter((l) => l.question && l.answer);
    if (lines.length < 2) throw new FormatError(file, 'expected at least 2 question<TAB>answer lines with both fields');
    // locality input: the question half the file away (a different fact, deterministic)
    const half = Math.max(1, Math.floor(lines.length / 2));
    all = lines.map((l, i) => {
      const o = lines[(i + half) % lines.length];
      return { index: l.index, lang: opts.lang, prompt: l.question, target: l.answer, loc: o.question, locAns: o.answer };
    });
  }
  const nVal = Math.min(opts.validation ?? 50, Math.floor(all.length / 2));
  const pool = all.slice(0, all.length - nVal);
  const validation = all.slice(all.length - nVal);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new RangeError(`train limit must be a positive integer, got ${opts.limit}`);
  const train = opts.limit === undefined ? pool : pool.slice(0, opts.limit);
  if (train.length === 0) throw new FormatError(file, 'no training examples left after holding out the validation set');
  return {
    train,
    validation,
    source: { file: basename(file), sha256, lang: opts.lang, format, limit: opts.limit ?? null, used: train.length, validation: validation.length },
  };
}

/** Several sources as one: examples interleaved round-robin (so every prefix mixes the languages). */
export function combineData(parts: readonly EditorData[]): { train: EditExample[]; validation: EditExample[]; sources: DataSource[] } {
  const interleave = (lists: readonly (readonly EditExample[])[]): EditExample[] => {
    const out: EditExample[] = [];
    const n = Math.max(...lists.map((l) => l.length));
    for (let i = 0; i < n; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
    return out;
  };
  return { train: interleave(parts.map((p) => p.train)), validation: interleave(parts.map((p) => p.validation)), sources: parts.map((p) => p.source) };
}
