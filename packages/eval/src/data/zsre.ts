/** The ZsRE MEND/EasyEdit format (`zsre_mend_eval.json`, Bi-ZsRE's `zsre_mend_eval_chinese.json`). */
import { FormatError } from '@crossedit/core';
import { expectObject, expectString, expectStringArray, rejectExtraKeys, type FieldPath } from './fields.js';
import { parseJson, readTextFile } from './file.js';
import type { LoadOptions, ZsreDataset, ZsreRecord } from './types.js';

const KEYS = ['subject', 'src', 'pred', 'rephrase', 'alt', 'answers', 'loc', 'loc_ans', 'cond', 'portability'] as const;
const MAX_LISTED_WARNINGS = 20;

function parseRecord(v: unknown, at: FieldPath, opts: LoadOptions): ZsreRecord {
  const o = expectObject(v, at);
  if (opts.extraKeys !== 'ignore') rejectExtraKeys(o, KEYS, at);
  const rec: ZsreRecord = {
    index: at.record,
    subject: expectString(o, 'subject', at),
    src: expectString(o, 'src', at),
    rephrase: expectString(o, 'rephrase', at),
    alt: expectString(o, 'alt', at, true),
    answers: expectStringArray(o, 'answers', at),
    loc: expectString(o, 'loc', at),
    locAns: expectString(o, 'loc_ans', at),
  };
  if ('pred' in o) rec.pred = expectString(o, 'pred', at, true);
  if ('cond' in o) rec.cond = expectString(o, 'cond', at, true);
  if ('portability' in o) {
    const pAt = { ...at, field: 'portability' };
    const p = expectObject(o.portability, pAt);
    if (opts.extraKeys !== 'ignore') rejectExtraKeys(p, ['New Question', 'New Answer'], pAt);
    rec.portability = { question: expectString(p, 'New Question', pAt), answer: expectString(p, 'New Answer', pAt) };
  }
  return rec;
}

/**
 * Parses the text of a ZsRE-format file. Required: `subject, src, rephrase, loc, loc_ans` (non-empty
 * strings), `alt` (a string), `answers` (strings); optional: `pred, cond, portability`. Records with an
 * empty `alt` are left out (their indices are in `skipped`), as EasyEdit's `ZsreDataset` does.
 * @param lang the language of the text (the format does not record it)
 * @throws FormatError naming the file, the record index and the field.
 */
export function parseZsre(text: string, file: string, lang: string, opts: LoadOptions = {}, meta: { name?: string; sha256?: string } = {}): ZsreDataset {
  const data = parseJson(text, file);
  if (!Array.isArray(data)) throw new FormatError(file, 'expected a JSON list of ZsRE records at the top level');
  if (data.length === 0) throw new FormatError(file, 'the list of records is empty');
  const records: ZsreRecord[] = [];
  const skipped: number[] = [];
  const warnings: string[] = [];
  let notIn = 0;
  data.forEach((v, i) => {
    const r = parseRecord(v, { file, record: i, field: '' }, opts);
    if (!r.src.includes(r.subject)) {
      if (opts.requireSubjectInSrc) throw new FormatError(file, `record ${i}, field "subject": expected a substring of src, got ${JSON.stringify(r.subject)}`);
      if (++notIn <= MAX_LISTED_WARNINGS) warnings.push(`record ${i}: subject ${JSON.stringify(r.subject)} does not occur in src`);
    }
    if (r.alt.trim() === '') skipped.push(i);
    else records.push(r);
  });
  if (notIn > MAX_LISTED_WARNINGS) warnings.push(`… ${notIn} records in all have a subject that does not occur in src`);
  if (skipped.length) warnings.push(`${skipped.length} record(s) with an empty alt left out: ${skipped.slice(0, 20).join(', ')}${skipped.length > 20 ? ', …' : ''}`);
  return { format: 'zsre', file, name: meta.name ?? file, sha256: meta.sha256 ?? '', lang, records, total: data.length, skipped, warnings };
}

/**
 * Loads a ZsRE-format file.
 * @example
 * const dev = loadZsre('../shared/data/bizsre/zsre_mend_eval_chinese.json', 'zh');
 */
export function loadZsre(file: string, lang: string, opts: LoadOptions = {}): ZsreDataset {
  const f = readTextFile(file);
  return parseZsre(f.text, file, lang, opts, { name: f.name, sha256: f.sha256 });
}
